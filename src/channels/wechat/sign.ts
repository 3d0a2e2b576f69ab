import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeChat Pay API v2 signing and its flat `<xml>` documents.
 *
 * Signature (pay.weixin.qq.com/doc/v2/merchant/4011985891): every non-empty parameter except `sign`,
 * sorted by name (byte order), joined `k=v&…`, then `&key=API_KEY`; MD5 or HMAC-SHA256 keyed with the
 * API key; uppercase hex. Replies and notifications are signed the same way over every field they carry.
 */
export type SignType = 'MD5' | 'HMAC-SHA256';

export type Params = Record<string, string>;

export function stringToSign(params: Params): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== undefined && params[k] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function sign(params: Params, apiKey: string, signType: SignType = 'MD5'): string {
  const text = `${stringToSign(params)}&key=${apiKey}`;
  const digest = signType === 'HMAC-SHA256'
    ? createHmac('sha256', apiKey).update(text, 'utf8').digest('hex')
    : createHash('md5').update(text, 'utf8').digest('hex');
  return digest.toUpperCase();
}

/** Checks `sign` with the sign type the document names (MD5 when absent); constant-time compare. */
export function verify(params: Params, apiKey: string, expectedType?: SignType): boolean {
  const given = params.sign;
  if (typeof given !== 'string' || given === '') return false;
  const named = params.sign_type;
  if (named !== undefined && named !== 'MD5' && named !== 'HMAC-SHA256') return false;
  const type: SignType = expectedType ?? (named as SignType | undefined) ?? (given.length === 64 ? 'HMAC-SHA256' : 'MD5');
  const want = Buffer.from(sign(params, apiKey, type));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got);
}

export function nonceStr(): string {
  return randomBytes(16).toString('hex');
}

export function signedParams(params: Params, apiKey: string, signType: SignType): Params {
  const p: Params = { ...params };
  if (signType !== 'MD5') p.sign_type = signType;
  if (!p.nonce_str) p.nonce_str = nonceStr();
  p.sign = sign(p, apiKey, signType);
  return p;
}

export class XmlError extends Error {}

/** `<xml><k><![CDATA[v]]></k>…</xml>`; a value holding `]]>` is split across two CDATA sections. */
export function buildXml(params: Params): string {
  let out = '<xml>';
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new XmlError(`bad XML element name ${JSON.stringify(k)}`);
    out += `<${k}><![CDATA[${String(v).replace(/]]>/g, ']]]]><![CDATA[>')}]]></${k}>`;
  }
  return `${out}</xml>`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, e: string | undefined) => {
    if (e === undefined) throw new XmlError('bare "&" in XML text');
    if (e.startsWith('#x')) return codePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return codePoint(parseInt(e.slice(1), 10));
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlError(`unknown XML entity ${m}`);
    return v;
  });
}

function codePoint(n: number): string {
  if (!Number.isFinite(n) || n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) throw new XmlError('bad XML character reference');
  return String.fromCodePoint(n);
}

/**
 * Parses WeChat's flat documents: one root (`<xml>`), children that hold text and/or CDATA only.
 * Rejects anything else (nesting, DOCTYPE/entities declarations, truncation, mismatched tags, duplicate
 * fields, trailing content) instead of guessing: a reply we cannot read exactly is no reply.
 */
export function parseXml(text: string, maxLength = 1_000_000): Params {
  if (text.length > maxLength) throw new XmlError('XML document too large');
  let i = 0;
  const s = text.replace(/^\uFEFF/, '');
  const skipWs = () => { while (i < s.length && /\s/.test(s[i]!)) i++; };
  skipWs();
  if (s.startsWith('<?xml', i)) {
    const end = s.indexOf('?>', i);
    if (end < 0) throw new XmlError('truncated XML declaration');
    i = end + 2;
    skipWs();
  }
  if (s.startsWith('<!', i)) throw new XmlError('DOCTYPE and comments are not accepted');
  const root = /^<([A-Za-z_][\w.-]*)\s*>/.exec(s.slice(i, i + 64));
  if (!root) throw new XmlError('expected a root element');
  const rootName = root[1]!;
  i += root[0].length;
  const out: Params = Object.create(null) as Params;
  for (;;) {
    skipWs();
    if (i >= s.length) throw new XmlError('truncated XML: root not closed');
    if (s.startsWith(`</${rootName}`, i)) {
      i += 2 + rootName.length;
      skipWs();
      if (s[i] !== '>') throw new XmlError('malformed closing root tag');
      i++;
      skipWs();
      if (i !== s.length) throw new XmlError('content after the root element');
      return { ...out };
    }
    const open = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(s.slice(i, i + 200));
    if (!open) throw new XmlError(`unexpected content at offset ${i}`);
    const name = open[1]!;
    i += open[0].length;
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new XmlError(`duplicate field ${name}`);
    if (open[2] === '/') { out[name] = ''; continue; }
    let value = '';
    for (;;) {
      if (i >= s.length) throw new XmlError(`truncated XML inside <${name}>`);
      if (s.startsWith('<![CDATA[', i)) {
        const end = s.indexOf(']]>', i + 9);
        if (end < 0) throw new XmlError('truncated CDATA section');
        value += s.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      if (s.startsWith(`</${name}`, i)) {
        i += 2 + name.length;
        skipWs();
        if (s[i] !== '>') throw new XmlError(`malformed closing tag for ${name}`);
        i++;
        break;
      }
      if (s[i] === '<') throw new XmlError(`nested or mismatched element inside <${name}>`);
      const next = s.indexOf('<', i);
      if (next < 0) throw new XmlError(`truncated XML inside <${name}>`);
      value += decodeText(s.slice(i, next));
      i = next;
    }
    out[name] = value;
  }
}
