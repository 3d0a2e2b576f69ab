import { type Currency, money, parseCurrency, toDecimalString } from '../core/money.ts';
import { crc16 } from './crc.ts';
import { numericFromCurrency } from './currency.ts';
import { rootTag } from './dictionary.ts';
import { charLength, emvError, tlv } from './tlv.ts';

/** A data object to encode: a value, or (for a template) its data objects. */
export type EmvNode = { readonly id: string; readonly value: string } | { readonly id: string; readonly children: readonly EmvNode[] };

/** Keys the decoder prints for information; accepted and ignored so that decode output encodes again. */
const INFORMATIONAL = new Set(['name', 'offset', 'length', 'known']);

function nodeValue(node: EmvNode): string {
  return 'children' in node ? node.children.map((c) => tlv(c.id, nodeValue(c))).join('') : node.value;
}

/** The payload for root data objects (00 first, without 63): their TLV, then 6304 and its CRC. */
export function serialize(nodes: readonly EmvNode[]): string {
  const body = `${nodes.map((n) => tlv(n.id, nodeValue(n))).join('')}6304`;
  return body + crc16(body);
}

/**
 * Checks untrusted JSON (a list of {id, value} or {id, children}) and returns it as nodes. Every error
 * names the path and the tag, e.g. `objects[3] (tag 62) children[0] (sub-tag 05): value is 104
 * characters; a length field holds at most 99`.
 */
export function parseNodes(input: unknown): EmvNode[] {
  if (!Array.isArray(input)) throw emvError('expected a JSON array of data objects like [{"id":"00","value":"01"}, …]');
  return input.map((item, i) => checkNode(item, `objects[${i}]`, 0));
}

function checkNode(item: unknown, path: string, depth: number): EmvNode {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw emvError(`${path}: expected an object with "id" and "value" or "children"`);
  const o = item as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'id' && key !== 'value' && key !== 'children' && !INFORMATIONAL.has(key)) throw emvError(`${path}: unknown field ${JSON.stringify(key)}`);
  }
  if (typeof o.id !== 'string' || !/^\d\d$/.test(o.id)) throw emvError(`${path}: "id" must be two digits as a string, e.g. "54"`);
  const id = o.id;
  const at = `${path} (${depth === 0 ? 'tag' : 'sub-tag'} ${id})`;
  const hasValue = o.value !== undefined;
  const hasChildren = o.children !== undefined;
  // Decode output has both on a template; the children are the truth there.
  if (hasChildren) {
    if (!Array.isArray(o.children) || o.children.length === 0) throw emvError(`${at}: "children" must be a non-empty array`, { tag: id });
    if (depth === 0 && rootTag(id).shape === 'primitive') throw emvError(`${at}: tag ${id} is not a template; give it a "value"`, { tag: id });
    const children = o.children.map((c, j) => checkNode(c, `${at} children[${j}]`, depth + 1));
    const seen = new Set<string>();
    for (const c of children) {
      if (seen.has(c.id)) throw emvError(`${at}: sub-tag ${c.id} appears twice`, { tag: id });
      seen.add(c.id);
    }
    const node: EmvNode = { id, children };
    checkLength(nodeValue(node), at, id);
    return node;
  }
  if (!hasValue) throw emvError(`${at}: needs "value" (a string) or "children"`, { tag: id });
  if (typeof o.value !== 'string') throw emvError(`${at}: "value" must be a string (amounts too: "12.50")`, { tag: id });
  checkLength(o.value, at, id);
  return { id, value: o.value };
}

function checkLength(value: string, at: string, id: string): void {
  const n = charLength(value);
  if (n === 0) throw emvError(`${at}: value is empty; a data object holds at least one character`, { tag: id });
  if (n > 99) throw emvError(`${at}: value is ${n} characters; a length field holds at most 99`, { tag: id });
}

/**
 * Encodes data objects given as JSON. Tag 00 must come first; tag 63 may be given last (its value is
 * replaced by the CRC computed here) or left out; root tags must not repeat.
 */
export function encodeObjects(input: unknown): string {
  let nodes = parseNodes(input);
  const last = nodes[nodes.length - 1];
  if (last?.id === '63') nodes = nodes.slice(0, -1);
  if (nodes[0]?.id !== '00') throw emvError('objects[0] must be tag 00, the payload format indicator {"id":"00","value":"01"}', { tag: '00' });
  const seen = new Set<string>();
  nodes.forEach((n, i) => {
    if (n.id === '63') throw emvError(`objects[${i}] (tag 63): the CRC goes last; leave it out and it is computed`, { tag: '63' });
    if (seen.has(n.id)) throw emvError(`objects[${i}] (tag ${n.id}): appears twice`, { tag: n.id });
    seen.add(n.id);
  });
  return serialize(nodes);
}

// ---------------------------------------------------------------------------------------------------
// The typed builder

/**
 * A merchant account to put in the QR. Expiry exists only where a scheme's payload defines one:
 * PayNow (26/04, a date) and KHQR (99/00 creation and 99/01 expiration, milliseconds). Pix keeps a
 * dynamic charge's expiry in the JSON behind its URL, and QRIS and VietQR define none in the QR.
 */
export type AccountInput =
  | { readonly scheme: 'pix'; readonly key?: string; readonly url?: string; readonly description?: string; readonly tag?: string }
  | {
      readonly scheme: 'paynow'; readonly proxyType: 'mobile' | 'uen'; readonly proxy: string; readonly editable?: boolean;
      /** YYYY-MM-DD, Singapore date after which the QR is refused. */
      readonly expiresOn?: string; readonly tag?: string;
    }
  | { readonly scheme: 'promptpay'; readonly mobile?: string; readonly nationalId?: string; readonly eWalletId?: string }
  | { readonly scheme: 'promptpay-bill'; readonly billerId: string; readonly reference1: string; readonly reference2?: string }
  | {
      readonly scheme: 'qris'; readonly nmid: string; readonly criteria?: 'UMI' | 'UKE' | 'UME' | 'UBE' | 'URE';
      /** The issuer (PJSP) template: reverse-domain GUID, 18-digit merchant PAN, merchant ID. */
      readonly issuer?: { readonly guid: string; readonly pan: string; readonly merchantId: string; readonly tag?: string };
    }
  | { readonly scheme: 'duitnow'; readonly acquirerId: string; readonly merchantId: string; readonly tag?: string }
  | { readonly scheme: 'vietqr'; readonly bin: string; readonly account: string; readonly service?: 'QRIBFTTA' | 'QRIBFTTC' }
  | {
      readonly scheme: 'khqr'; readonly kind: 'individual' | 'merchant'; readonly bakongAccountId: string;
      /** 01: account information (individual) or merchant ID (merchant, required). */
      readonly accountInformation?: string; readonly acquiringBank?: string;
      /** Milliseconds since 1970; both or neither. The caller passes the clock: the core reads none. */
      readonly createdAt?: number; readonly expiresAt?: number;
    }
  | { readonly scheme: 'unionpay'; readonly acquirerIin: string; readonly forwardingIin: string; readonly merchantId: string }
  /** Any other scheme's template (26–51) or network primitive (02–25), as data objects. */
  | { readonly scheme: 'other'; readonly tag: string; readonly value?: string; readonly children?: readonly EmvNode[] };

export interface AdditionalData {
  readonly billNumber?: string;
  readonly mobileNumber?: string;
  readonly storeLabel?: string;
  readonly loyaltyNumber?: string;
  readonly referenceLabel?: string;
  readonly customerLabel?: string;
  readonly terminalLabel?: string;
  readonly purposeOfTransaction?: string;
  readonly additionalConsumerDataRequest?: string;
  readonly merchantTaxId?: string;
  readonly merchantChannel?: string;
}

const ADDITIONAL_IDS: Readonly<Record<keyof AdditionalData, string>> = {
  billNumber: '01', mobileNumber: '02', storeLabel: '03', loyaltyNumber: '04', referenceLabel: '05',
  customerLabel: '06', terminalLabel: '07', purposeOfTransaction: '08', additionalConsumerDataRequest: '09',
  merchantTaxId: '10', merchantChannel: '11',
};

export interface MpmInput {
  /** static (11): one QR for many payments; dynamic (12): a QR for this payment. */
  readonly initiation: 'static' | 'dynamic';
  readonly accounts: readonly AccountInput[];
  /** ISO 18245; "0000" when the scheme has none (Pix, PayNow). */
  readonly merchantCategoryCode?: string;
  readonly currency: Currency | string;
  /** Integer minor units (fen, satang, sen); written with the currency's exponent, never through a float. */
  readonly amount?: number;
  readonly country: string;
  readonly merchantName: string;
  readonly merchantCity: string;
  readonly postalCode?: string;
  readonly additionalData?: AdditionalData;
  readonly language?: { readonly preference: string; readonly merchantName: string; readonly merchantCity?: string };
}

const v = (id: string, value: string): EmvNode => ({ id, value });
const t = (id: string, children: EmvNode[]): EmvNode => ({ id, children });
const opt = (id: string, value: string | undefined): EmvNode[] => (value === undefined ? [] : [v(id, value)]);

function need(ok: boolean, message: string): void {
  if (!ok) throw emvError(message);
}

function maxChars(value: string, max: number, what: string): void {
  const n = charLength(value);
  need(n >= 1 && n <= max, `${what} must be 1 to ${max} characters (EMVCo), got ${n}`);
}

function templateTag(tag: string | undefined, fallback: string, scheme: string): string {
  const id = tag ?? fallback;
  need(/^\d\d$/.test(id) && Number(id) >= 26 && Number(id) <= 51, `${scheme}: merchant account template tag must be 26–51, got ${JSON.stringify(id)}`);
  return id;
}

/** Root data objects for one merchant account (and, for KHQR, its 99 timestamps). */
function accountNodes(a: AccountInput, initiation: MpmInput['initiation']): EmvNode[] {
  switch (a.scheme) {
    case 'pix': {
      need((a.key === undefined) !== (a.url === undefined), 'pix: give either "key" (static) or "url" (dynamic charge location), not both');
      return [t(templateTag(a.tag, '26', 'pix'), [v('00', 'br.gov.bcb.pix'), ...opt('01', a.key), ...opt('02', a.description), ...opt('25', a.url)])];
    }
    case 'paynow': {
      let expiry: string | undefined;
      if (a.expiresOn !== undefined) {
        const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(a.expiresOn);
        need(m !== null, `paynow: expiresOn must be YYYY-MM-DD, got ${JSON.stringify(a.expiresOn)}`);
        expiry = `${m![1]}${m![2]}${m![3]}`;
      }
      return [t(templateTag(a.tag, '26', 'paynow'), [
        v('00', 'SG.PAYNOW'), v('01', a.proxyType === 'mobile' ? '0' : '2'), v('02', a.proxy), v('03', a.editable ? '1' : '0'), ...opt('04', expiry),
      ])];
    }
    case 'promptpay': {
      const given = [a.mobile, a.nationalId, a.eWalletId].filter((x) => x !== undefined);
      need(given.length === 1, 'promptpay: give exactly one of mobile, nationalId, eWalletId');
      let mobile: string | undefined;
      if (a.mobile !== undefined) {
        // PromptPay writes a Thai mobile as 0066 + the nine digits after the leading 0, 13 characters.
        const digits = a.mobile.replace(/\D/g, '');
        const local = digits.startsWith('66') ? digits.slice(2) : digits.replace(/^0/, '');
        need(/^\d{9}$/.test(local), `promptpay: mobile ${JSON.stringify(a.mobile)} is not a Thai mobile number`);
        mobile = `0066${local}`;
      }
      return [t('29', [v('00', 'A000000677010111'), ...opt('01', mobile), ...opt('02', a.nationalId), ...opt('03', a.eWalletId)])];
    }
    case 'promptpay-bill':
      return [t('30', [v('00', 'A000000677010112'), v('01', a.billerId), v('02', a.reference1), ...opt('03', a.reference2)])];
    case 'qris': {
      need(/^ID\d+$/.test(a.nmid), `qris: NMID must be "ID" followed by digits, got ${JSON.stringify(a.nmid)}`);
      const out: EmvNode[] = [];
      if (a.issuer) {
        need(/^9360\d{14}$/.test(a.issuer.pan), 'qris: issuer PAN must be 18 digits starting 9360');
        out.push(t(templateTag(a.issuer.tag, '26', 'qris issuer'), [
          v('00', a.issuer.guid), v('01', a.issuer.pan), v('02', a.issuer.merchantId), ...opt('03', a.criteria),
        ]));
      }
      out.push(t('51', [v('00', 'ID.CO.QRIS.WWW'), v('02', a.nmid), ...opt('03', a.criteria)]));
      return out;
    }
    case 'duitnow':
      return [t(templateTag(a.tag, '26', 'duitnow'), [v('00', 'A0000006150001'), v('01', a.acquirerId), v('02', a.merchantId)])];
    case 'vietqr':
      need(/^\d{6}$/.test(a.bin), `vietqr: bin must be the bank's 6-digit NAPAS BIN, got ${JSON.stringify(a.bin)}`);
      return [t('38', [v('00', 'A000000727'), t('01', [v('00', a.bin), v('01', a.account)]), v('02', a.service ?? 'QRIBFTTA')])];
    case 'khqr': {
      need(/^[^\s@]+@[^\s@]+$/.test(a.bakongAccountId), `khqr: Bakong account ID must look like name@bank, got ${JSON.stringify(a.bakongAccountId)}`);
      maxChars(a.bakongAccountId, 32, 'khqr: Bakong account ID');
      need(a.kind === 'individual' || a.accountInformation !== undefined, 'khqr: a merchant QR needs its merchant ID in accountInformation');
      const out: EmvNode[] = [t(a.kind === 'individual' ? '29' : '30', [
        v('00', a.bakongAccountId), ...opt('01', a.accountInformation), ...opt('02', a.acquiringBank),
      ])];
      need((a.createdAt === undefined) === (a.expiresAt === undefined), 'khqr: give createdAt and expiresAt together');
      if (a.createdAt !== undefined && a.expiresAt !== undefined) {
        need(initiation === 'dynamic', 'khqr: timestamps belong to a dynamic QR');
        need(Number.isInteger(a.createdAt) && Number.isInteger(a.expiresAt) && a.createdAt > 0 && a.expiresAt > a.createdAt,
          'khqr: createdAt and expiresAt are whole milliseconds since 1970, expiresAt after createdAt');
        out.push(t('99', [v('00', String(a.createdAt)), v('01', String(a.expiresAt))]));
      }
      return out;
    }
    case 'unionpay':
      need(/^\d{8}$/.test(a.acquirerIin) && /^\d{8}$/.test(a.forwardingIin), 'unionpay: acquirer and forwarding IINs are 8 digits each');
      need(charLength(a.merchantId) === 15, 'unionpay: merchant ID is 15 characters');
      return [v('15', `${a.acquirerIin}${a.forwardingIin}${a.merchantId}`)];
    case 'other': {
      need(/^\d\d$/.test(a.tag) && Number(a.tag) >= 2 && Number(a.tag) <= 51, `other: merchant account tag must be 02–51, got ${JSON.stringify(a.tag)}`);
      const asJson = a.children !== undefined ? { id: a.tag, children: a.children } : { id: a.tag, value: a.value };
      return parseNodes([asJson]);
    }
  }
}

/**
 * Builds a merchant-presented payload. Refuses what would make a QR a phone cannot pay or would read
 * differently from Saoma: no merchant account, two accounts in one tag, a name over 25 characters, an
 * amount that is not a positive whole number of minor units.
 */
export function buildMpm(input: MpmInput): string {
  const currency = parseCurrency(input.currency);
  need(input.accounts.length > 0, 'at least one merchant account is needed');
  const accounts: EmvNode[] = [];
  const extra: EmvNode[] = [];
  const byTag = new Map<string, string>();
  for (const a of input.accounts) {
    for (const n of accountNodes(a, input.initiation)) {
      const other = byTag.get(n.id);
      need(other === undefined, `two merchant accounts want tag ${n.id} (${other} and ${a.scheme}); give one a different "tag"`);
      byTag.set(n.id, a.scheme);
      (n.id === '99' ? extra : accounts).push(n);
    }
  }
  accounts.sort((x, y) => Number(x.id) - Number(y.id));

  const mcc = input.merchantCategoryCode ?? '0000';
  need(/^\d{4}$/.test(mcc), `merchantCategoryCode must be 4 digits, got ${JSON.stringify(mcc)}`);
  need(/^[A-Z]{2}$/.test(input.country), `country must be an ISO 3166-1 alpha-2 code like "CN", got ${JSON.stringify(input.country)}`);
  maxChars(input.merchantName, 25, 'merchantName');
  maxChars(input.merchantCity, 15, 'merchantCity');
  let amount: string | undefined;
  if (input.amount !== undefined) {
    amount = toDecimalString(money(input.amount, currency));
    need(amount.length <= 13, `amount ${amount} is longer than the 13 characters tag 54 allows`);
  }
  if (input.postalCode !== undefined) maxChars(input.postalCode, 10, 'postalCode');

  const additional: EmvNode[] = [];
  for (const [key, id] of Object.entries(ADDITIONAL_IDS) as Array<[keyof AdditionalData, string]>) {
    const value = input.additionalData?.[key];
    if (value !== undefined) {
      maxChars(value, 25, `additionalData.${key}`);
      additional.push(v(id, value));
    }
  }
  // Pix requires template 62 with a txid in 05; "***" when the payer app should not send one.
  if (input.accounts.some((a) => a.scheme === 'pix') && !input.additionalData?.referenceLabel) {
    additional.unshift(v('05', '***'));
    additional.sort((x, y) => Number(x.id) - Number(y.id));
  }

  const language: EmvNode[] = [];
  if (input.language) {
    need(/^[A-Za-z]{2}$/.test(input.language.preference), 'language.preference must be an ISO 639-1 code like "ZH"');
    maxChars(input.language.merchantName, 25, 'language.merchantName');
    if (input.language.merchantCity !== undefined) maxChars(input.language.merchantCity, 15, 'language.merchantCity');
    language.push(v('00', input.language.preference), v('01', input.language.merchantName), ...opt('02', input.language.merchantCity));
  }

  const nodes: EmvNode[] = [
    v('00', '01'),
    v('01', input.initiation === 'static' ? '11' : '12'),
    ...accounts,
    v('52', mcc),
    v('53', numericFromCurrency(currency)),
    ...opt('54', amount),
    v('58', input.country),
    v('59', input.merchantName),
    v('60', input.merchantCity),
    ...opt('61', input.postalCode),
    ...(additional.length ? [t('62', additional)] : []),
    ...(language.length ? [t('64', language)] : []),
    ...extra,
  ];
  for (const n of nodes) {
    const value = nodeValue(n);
    need(charLength(value) <= 99, `tag ${n.id} would be ${charLength(value)} characters; a length field holds at most 99`);
  }
  return serialize(nodes);
}
