import { createHmac } from 'node:crypto';
import { sha256Hex } from './secrets.ts';

/**
 * Merchant API requests are signed with the API key's secret:
 *   HMAC-SHA256(secret, METHOD \n PATH \n TIMESTAMP \n NONCE \n hex(SHA-256(body)))
 * sent as headers `Saoma-Key`, `Saoma-Timestamp` (unix seconds), `Saoma-Nonce`, `Saoma-Signature` (hex).
 * PATH includes the query string. Exported so integrators (and our CLI and tests) sign the same way.
 */
export const SIGNATURE_WINDOW_SECONDS = 300;

export function canonicalRequest(method: string, path: string, timestamp: string, nonce: string, body: string | Buffer): string {
  return [method.toUpperCase(), path, timestamp, nonce, sha256Hex(body ?? '')].join('\n');
}

export function signRequest(secret: string, method: string, path: string, timestamp: string, nonce: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(canonicalRequest(method, path, timestamp, nonce, body)).digest('hex');
}

/** Headers for a signed request; what a merchant's own client adds to every call. */
export function signedHeaders(keyId: string, secret: string, method: string, path: string, body: string, nowSeconds = Math.floor(Date.now() / 1000), nonce = crypto.randomUUID()): Record<string, string> {
  const timestamp = String(nowSeconds);
  return {
    'saoma-key': keyId,
    'saoma-timestamp': timestamp,
    'saoma-nonce': nonce,
    'saoma-signature': signRequest(secret, method, path, timestamp, nonce, body),
  };
}
