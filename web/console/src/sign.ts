import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Signs a merchant API request exactly as src/security/request-signing.ts checks it:
 *   HMAC-SHA256(secret, METHOD \n PATH(with query) \n TIMESTAMP \n NONCE \n hex(SHA-256(body)))
 * In pure JS because crypto.subtle does not exist on a plain-http LAN address (not a secure context).
 */
export function canonicalRequest(method: string, path: string, timestamp: string, nonce: string, body: string): string {
  return [method.toUpperCase(), path, timestamp, nonce, bytesToHex(sha256(utf8ToBytes(body)))].join('\n');
}

export function signRequest(secret: string, method: string, path: string, timestamp: string, nonce: string, body: string): string {
  return bytesToHex(hmac(sha256, utf8ToBytes(secret), utf8ToBytes(canonicalRequest(method, path, timestamp, nonce, body))));
}

/** getRandomValues works outside secure contexts, unlike randomUUID. */
export function newNonce(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return bytesToHex(b);
}

export function signedHeaders(keyId: string, secret: string, method: string, path: string, body: string, nowSeconds = Math.floor(Date.now() / 1000), nonce = newNonce()): Record<string, string> {
  const timestamp = String(nowSeconds);
  return {
    'saoma-key': keyId,
    'saoma-timestamp': timestamp,
    'saoma-nonce': nonce,
    'saoma-signature': signRequest(secret, method, path, timestamp, nonce, body),
  };
}
