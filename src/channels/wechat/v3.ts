import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';

/**
 * WeChat Pay API v3 primitives (research/channels.md §2.2, §7 W-2/W-5): the `WECHATPAY2-SHA256-RSA2048`
 * request signature, the `Wechatpay-*` response/notification signature, AEAD_AES_256_GCM resources, and the
 * JSAPI `paySign`. No I/O here: the adapter and the emulator both build on these.
 */
export const V3_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat refuses (and we refuse) signatures stamped further than this from now. */
export const V3_MAX_SKEW_S = 300;
/** WeChat's probes of whether a merchant really verifies: always forged, must fail. */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

export type KeyLike = string | KeyObject;

const priv = (k: KeyLike): KeyObject => (typeof k === 'string' ? createPrivateKey(k) : k);
const pub = (k: KeyLike): KeyObject => (typeof k === 'string' ? createPublicKey(k) : k);

/** `METHOD\nURL\ntimestamp\nnonce\nbody\n`: URL is the path plus query as sent; every line ends with \n. */
export function requestMessage(method: string, url: string, timestamp: string, nonce: string, body: string): string {
  return `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** `timestamp\nnonce\nbody\n`, for responses and notifications (a 204's body line is empty). */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** SHA256withRSA (PKCS#1 v1.5), base64. Deterministic, so W-2 is reproducible byte for byte. */
export function rsaSign(message: string, privateKey: KeyLike): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(priv(privateKey), 'base64');
}

export function rsaVerify(message: string, signature: string, publicKey: KeyLike): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(pub(publicKey), signature, 'base64');
  } catch {
    return false;
  }
}

export function v3Nonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function unixSeconds(now = Date.now()): string {
  return String(Math.floor(now / 1000));
}

export interface AuthorizationInput {
  mchId: string;
  serialNo: string;
  privateKey: KeyLike;
  method: string;
  /** Path + query exactly as requested. */
  url: string;
  body: string;
  timestamp?: string;
  nonce?: string;
}

/** The `Authorization` header value for one request. */
export function authorization(a: AuthorizationInput): string {
  const timestamp = a.timestamp ?? unixSeconds();
  const nonce = a.nonce ?? v3Nonce();
  const signature = rsaSign(requestMessage(a.method, a.url, timestamp, nonce, a.body), a.privateKey);
  return `${V3_SCHEMA} mchid="${a.mchId}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${a.serialNo}",signature="${signature}"`;
}

export interface ParsedAuthorization { mchid: string; nonce_str: string; timestamp: string; serial_no: string; signature: string }

/** The parameters of an `Authorization` header in any order, or null when it is not a v3 one. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (!header || !header.startsWith(`${V3_SCHEMA} `)) return null;
  const out: Record<string, string> = {};
  const re = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/gy;
  const rest = header.slice(V3_SCHEMA.length + 1);
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(rest)) !== null) {
    if (m[0] === '') break;
    if (Object.prototype.hasOwnProperty.call(out, m[1]!)) return null;
    out[m[1]!] = m[2]!;
    end = re.lastIndex;
  }
  if (end !== rest.length) return null;
  for (const k of ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature']) if (!out[k]) return null;
  return out as unknown as ParsedAuthorization;
}

export type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(h)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

export type VerifyResult = { ok: true; serial: string } | { ok: false; reason: string };

/**
 * Checks a WeChat-signed response or notification: the four `Wechatpay-*` headers, the timestamp within
 * ±300 s, the key chosen by `Wechatpay-Serial` (platform certificate serial or `PUB_KEY_ID_…`), RSA over the
 * exact body text. SIGNTEST probes are refused before any key is tried.
 */
export function verifyWechatpaySignature(headers: Headers, body: string, keys: ReadonlyMap<string, KeyLike>, now = Date.now()): VerifyResult {
  const timestamp = header(headers, 'Wechatpay-Timestamp');
  const nonce = header(headers, 'Wechatpay-Nonce');
  const signature = header(headers, 'Wechatpay-Signature');
  const serial = header(headers, 'Wechatpay-Serial');
  if (!timestamp || !nonce || !signature || !serial) return { ok: false, reason: 'Wechatpay-Timestamp/Nonce/Signature/Serial headers incomplete' };
  if (signature.startsWith(SIGNTEST_PREFIX)) return { ok: false, reason: 'WECHATPAY/SIGNTEST signature (a deliberate probe)' };
  const type = header(headers, 'Wechatpay-Signature-Type');
  if (type !== undefined && type !== V3_SCHEMA) return { ok: false, reason: `unsupported Wechatpay-Signature-Type ${type}` };
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Math.floor(now / 1000) - Number(timestamp)) >= V3_MAX_SKEW_S) {
    return { ok: false, reason: 'Wechatpay-Timestamp is more than 300 s away from now' };
  }
  const key = keys.get(serial);
  if (!key) return { ok: false, reason: `no WeChat Pay key for serial ${serial}` };
  if (!rsaVerify(responseMessage(timestamp, nonce, body), signature, key)) return { ok: false, reason: 'Wechatpay-Signature does not verify' };
  return { ok: true, serial };
}

/** The headers WeChat puts on a signed response or notification. */
export function wechatpayHeaders(body: string, serial: string, privateKey: KeyLike, opts: { timestamp?: string; nonce?: string; signature?: string } = {}): Record<string, string> {
  const timestamp = opts.timestamp ?? unixSeconds();
  const nonce = opts.nonce ?? v3Nonce();
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': serial,
    'Wechatpay-Signature': opts.signature ?? rsaSign(responseMessage(timestamp, nonce, body), privateKey),
  };
}

/** AES-GCM keyed by the APIv3 key; the key's length picks AES-128/192/256 as Go's aes.NewCipher does. */
function gcmAlgorithm(key: Buffer): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16: return 'aes-128-gcm';
    case 24: return 'aes-192-gcm';
    case 32: return 'aes-256-gcm';
    default: throw new RangeError('the APIv3 key must be 16, 24 or 32 bytes');
  }
}

/** Decrypts an `encrypt-resource`: base64 ciphertext whose last 16 bytes are the GCM tag. Throws when forged. */
export function aeadDecrypt(apiV3Key: string, nonce: string, associatedData: string, ciphertextB64: string): string {
  const key = Buffer.from(apiV3Key, 'utf8');
  const data = Buffer.from(ciphertextB64, 'base64');
  if (data.length < 16) throw new RangeError('ciphertext shorter than the GCM tag');
  const d = createDecipheriv(gcmAlgorithm(key), key, Buffer.from(nonce, 'utf8'));
  d.setAuthTag(data.subarray(data.length - 16));
  d.setAAD(Buffer.from(associatedData, 'utf8'));
  return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
}

export function aeadEncrypt(apiV3Key: string, nonce: string, associatedData: string, plaintext: string): string {
  const key = Buffer.from(apiV3Key, 'utf8');
  const c = createCipheriv(gcmAlgorithm(key), key, Buffer.from(nonce, 'utf8'));
  c.setAAD(Buffer.from(associatedData, 'utf8'));
  return Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]).toString('base64');
}

/** JSAPI v3 `paySign`: SHA256withRSA over `appId\ntimeStamp\nnonceStr\npackage\n` with the merchant key. */
export function jsapiMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}

/** Reads a v3 error body `{code, message}`; anything else is not one. */
export function errorBody(text: string): { code: string; message: string } | null {
  try {
    const v = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (v && typeof v.code === 'string' && v.code !== '') return { code: v.code, message: typeof v.message === 'string' ? v.message : '' };
  } catch { /* not JSON */ }
  return null;
}

/** RFC 3339 in Beijing time (+08:00), as v3 stamps `time_expire`, `success_time`, `create_time`. */
export function rfc3339Beijing(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}
