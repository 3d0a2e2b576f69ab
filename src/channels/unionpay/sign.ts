import { createHash, createPrivateKey, createSign, createVerify, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * UnionPay ACP 5.1.0 `signMethod=01`: the sorted `k=v&…` text of every non-empty field but `signature`,
 * its SHA-256 as lowercase hex, and SHA256withRSA over that hex *text* (not over the digest bytes),
 * base64. Replies and notifications carry the signing certificate (`signPubKeyCert`, itself part of the
 * signed text); it must chain to UnionPay's root through its middle certificate before its key counts.
 */
export type Params = Record<string, string>;

export function signString(params: Params): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function digestHex(params: Params): string {
  return createHash('sha256').update(signString(params), 'utf8').digest('hex');
}

export function sign(params: Params, key: KeyObject | string): string {
  return createSign('RSA-SHA256').update(digestHex(params), 'utf8').sign(typeof key === 'string' ? createPrivateKey(key) : key, 'base64');
}

/** The signature against one public key (no certificate checks: see `verifyReply`). */
export function verifyWith(params: Params, key: KeyObject): boolean {
  const s = params.signature;
  if (!s || !/^[A-Za-z0-9+/=]+$/.test(s)) return false;
  try {
    return createVerify('RSA-SHA256').update(digestHex(params), 'utf8').verify(key, s, 'base64');
  } catch {
    return false;
  }
}

/** `certId`: the signing certificate's serial number in decimal, as UnionPay registers it. */
export function certIdOf(certPem: string): string {
  return BigInt(`0x${new X509Certificate(certPem).serialNumber}`).toString(10);
}

/** The subject's CN; UnionPay's are `041@Z12@<owner>@<n>` and the owner says whose key it is. */
export function certOwner(cert: X509Certificate): string | null {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  if (!cn) return null;
  const parts = cn.split('@');
  return parts.length >= 3 ? parts[2]! : cn;
}

export interface TrustAnchors {
  root: X509Certificate;
  middle: X509Certificate;
  /** The owner field UnionPay's signing certificate must name (production: 中国银联股份有限公司). */
  signer: string;
}

export function trustAnchors(rootPem: string, middlePem: string, signer = UNIONPAY_SIGNER): TrustAnchors {
  return { root: new X509Certificate(rootPem), middle: new X509Certificate(middlePem), signer };
}

export const UNIONPAY_SIGNER = '中国银联股份有限公司';

/**
 * Is `certPem` UnionPay's signing certificate? Issued by the middle, the middle by the root, the root by
 * itself; a leaf, and its owner is UnionPay. Validity dates are deliberately not checked here: UnionPay
 * rotates signing certificates on its own schedule and its test ones expire while still in use.
 */
export function checkChain(certPem: string, anchors: TrustAnchors): X509Certificate | null {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch {
    return null;
  }
  const { root, middle } = anchors;
  if (leaf.ca || !middle.ca || !root.ca) return null;
  if (!leaf.checkIssued(middle) || !leaf.verify(middle.publicKey)) return null;
  if (!middle.checkIssued(root) || !middle.verify(root.publicKey)) return null;
  if (!root.checkIssued(root) || !root.verify(root.publicKey)) return null;
  if (certOwner(leaf) !== anchors.signer) return null;
  return leaf;
}

/** A reply or notification from UnionPay: signed by the certificate it carries, which UnionPay's chain vouches for. */
export function verifyReply(params: Params, anchors: TrustAnchors): boolean {
  const pem = params.signPubKeyCert;
  if (!pem) return false;
  const leaf = checkChain(pem, anchors);
  return leaf !== null && verifyWith(params, leaf.publicKey);
}

/**
 * UnionPay's reply body: `k=v&k=v`, values raw (not URL-encoded). A value that starts with `{` runs to
 * its matching `}` and may hold `&` and `=` (`reqReserved`, `riskRateInfo`, …); `[` … `]` likewise.
 */
export function parseReply(text: string): Params {
  const out: Params = {};
  let i = 0;
  const n = text.length;
  while (i < n) {
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    const key = text.slice(i, eq);
    let j = eq + 1;
    const open = text[j];
    if (open === '{' || open === '[') {
      const close = open === '{' ? '}' : ']';
      let depth = 0;
      for (; j < n; j++) {
        if (text[j] === open) depth++;
        else if (text[j] === close && --depth === 0) { j++; break; }
      }
      // A block must end the value; an unbalanced one swallows the rest, like UnionPay's own SDK.
      while (j < n && text[j] !== '&') j++;
    } else {
      while (j < n && text[j] !== '&') j++;
    }
    if (key) out[key] = text.slice(eq + 1, j);
    i = j + 1;
  }
  return out;
}

/** The reply body UnionPay sends: raw `k=v&…` in key order. */
export function buildReply(params: Params): string {
  return Object.keys(params).sort().filter((k) => params[k] !== undefined).map((k) => `${k}=${params[k]}`).join('&');
}

/** A request or notification body: `application/x-www-form-urlencoded`. */
export function formEncode(params: Params): string {
  return new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
}

export function formDecode(body: string): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}
