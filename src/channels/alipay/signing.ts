import { createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

/**
 * Alipay OpenAPI 2.0 RSA2 (SHA256withRSA, PKCS#1 v1.5) signing, as in research/channels.md §1.1 and §1.9:
 *  - requests: every parameter except `sign` (sign_type included), empty values dropped, keys sorted by
 *    code unit, joined `k=v&…` with raw (not URL-encoded) values;
 *  - responses: the exact text of the `<method>_response` value as it appears in the body (never
 *    re-serialized: Alipay escapes `/` as `\/`, and only the bytes it signed verify);
 *  - notifications: the form-decoded parameters except `sign` and `sign_type`, same join.
 */

export type Params = Record<string, string | number | null | undefined>;

/** The `k=v&…` string over the parameters, skipping `exclude` and empty values. */
export function signContent(params: Params, exclude: readonly string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k))
    .filter((k) => { const v = params[k]; return v !== undefined && v !== null && String(v) !== ''; })
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
}

/** A bare base64 key (as Alipay's console shows it) or a PEM. */
export function toPem(key: string, kind: 'PUBLIC KEY' | 'PRIVATE KEY'): string {
  const k = key.trim();
  if (k.startsWith('-----BEGIN')) return k;
  const body = k.replace(/\s+/g, '').match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
}

export function rsa2Sign(content: string, privateKey: string | KeyObject): string {
  const key = typeof privateKey === 'string' ? toPem(privateKey, 'PRIVATE KEY') : privateKey;
  return createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKey: string | KeyObject): boolean {
  if (!signature) return false;
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(toPem(publicKey, 'PUBLIC KEY')) : publicKey;
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** Sign a request's parameters (everything except `sign`). */
export function signRequest(params: Params, privateKey: string | KeyObject): string {
  return rsa2Sign(signContent(params, ['sign']), privateKey);
}

export function verifyRequest(params: Params, publicKey: string | KeyObject): boolean {
  const sig = params.sign;
  return typeof sig === 'string' && rsa2Verify(signContent(params, ['sign']), sig, publicKey);
}

/** The string Alipay signs in an async notification: everything except `sign` and `sign_type`. */
export function notifyContent(params: Params): string {
  return signContent(params, ['sign', 'sign_type']);
}

export function verifyNotify(params: Params, publicKey: string | KeyObject): boolean {
  const sig = params.sign;
  return typeof sig === 'string' && rsa2Verify(notifyContent(params), sig, publicKey);
}

/** `alipay.trade.pay` → `alipay_trade_pay_response`. */
export function responseKey(method: string): string {
  return `${method.replace(/\./g, '_')}_response`;
}

/**
 * The raw JSON text of the value under `key` in `body`, found by scanning (strings and escapes
 * respected), or null when the key is absent or the value is malformed. The caller verifies exactly
 * these bytes.
 */
export function extractRaw(body: string, key: string): string | null {
  const needle = `"${key}"`;
  let i = 0;
  // Only a key at the top level counts: walk the top-level object.
  let depth = 0;
  let inString = false;
  for (i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      if (depth === 1 && body.startsWith(needle, i)) {
        let j = i + needle.length;
        while (/\s/.test(body[j] ?? '')) j++;
        if (body[j] !== ':') { inString = true; continue; }
        j++;
        while (/\s/.test(body[j] ?? '')) j++;
        return scanValue(body, j);
      }
      inString = true;
    }
  }
  return null;
}

function scanValue(body: string, start: number): string | null {
  if (body[start] !== '{') return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return body.slice(start, i + 1);
    }
  }
  return null;
}

export interface VerifiedResponse {
  /** The parsed `<method>_response` (or `error_response`) object. */
  data: Record<string, unknown>;
  /** Whether the exact bytes verified with the Alipay public key. */
  verified: boolean;
  key: string;
}

/** Parse a gateway answer and check its signature over the raw `<method>_response` text. */
export function verifyResponse(body: string, method: string, publicKey: string | KeyObject): VerifiedResponse | null {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
  for (const key of [responseKey(method), 'error_response']) {
    const raw = extractRaw(body, key);
    if (raw === null) continue;
    const data = parsed[key];
    if (!data || typeof data !== 'object') return null;
    const sign = typeof parsed.sign === 'string' ? parsed.sign : '';
    return { data: data as Record<string, unknown>, verified: rsa2Verify(raw, sign, publicKey), key };
  }
  return null;
}

/** JSON text the way Alipay writes it: `/` escaped as `\/`. */
export function alipayJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

/** A signed gateway answer: `{"<key>":<inner>,"sign":"…"}`, the signature over the exact inner text. */
export function signedResponse(method: string, inner: Record<string, unknown>, privateKey: string | KeyObject, key = responseKey(method)): string {
  const text = alipayJson(inner);
  return `{"${key}":${text},"sign":"${rsa2Sign(text, privateKey)}"}`;
}
