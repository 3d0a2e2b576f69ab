import { SaomaError } from './errors.ts';

/**
 * Which wallet a customer's payment code (付款码, "B scans C") belongs to, from its digits alone.
 *
 * The wallets publish their codes as "N digits starting with P": the POS must route a scan to the
 * right wallet before any call is made, and a scan that fits no wallet is refused here rather than
 * guessed (a wrong guess sends a customer's one-time code to a wallet that does not know it). The
 * rules are a table, not code, so that a deployment can add a wallet or follow a wallet that changes
 * its format (Alipay has widened its codes before) through SAOMA_PAYCODE_RULES, without a release.
 *
 * Pure: no I/O. `detectWallet` never throws on what a scanner or a client sends; it says why not.
 */

/** One row as written: in the built-in table, in a SAOMA_PAYCODE_RULES file, and in `saoma paycode` output. */
export interface PaycodeRuleSpec {
  wallet: string;
  /** Leading digits: "62", or a range of equal-width prefixes "10-15". */
  prefixes: string[];
  /** Total digits: 18, or a range "16-24". */
  lengths: Array<number | string>;
  description?: string;
}

export interface PrefixRange { readonly from: string; readonly to: string }
export interface LengthRange { readonly min: number; readonly max: number }

/** A validated rule, ready to match. */
export interface PaycodeRule {
  readonly wallet: string;
  readonly description: string;
  readonly prefixes: readonly PrefixRange[];
  readonly lengths: readonly LengthRange[];
}

/** Longest code a rule may accept: the API takes at most 32 characters; this leaves room to grow. */
export const MAX_CODE_LENGTH = 64;
const MAX_PREFIX_WIDTH = 12;

/**
 * The real wallets. They do not overlap (a test proves it), so their order does not matter.
 * Sources: /work/shared/research/channels.md §4, and the wallets' own field descriptions.
 */
const WALLET_TABLE: PaycodeRuleSpec[] = [
  // WeChat Pay micropay `auth_code`: "用户付款码条形码规则：18位纯数字，以10、11、12、13、14、15开头"
  // (pay.weixin.qq.com micropay doc, chapter 5_1; the same text is in the v3 codepay docs and SDKs).
  { wallet: 'wechat', prefixes: ['10-15'], lengths: [18], description: 'WeChat Pay 微信支付 付款码' },
  // Alipay alipay.trade.pay `auth_code`: "25~30开头的长度为16~24位的数字，实际字符串长度以开发者获取的
  // 付款码长度为准" (official SDK model javadoc). It was 28… and 16–18 digits before it was widened.
  { wallet: 'alipay', prefixes: ['25-30'], lengths: ['16-24'], description: 'Alipay 支付宝 付款码' },
  // UnionPay (云闪付 and bank apps): "银联二维码：以62开头长度19位数字" (acquirer docs; 62 is
  // UnionPay's card BIN range). This is the number passed as ACP qrNo / QRA auth_code.
  { wallet: 'unionpay', prefixes: ['62'], lengths: [19], description: 'UnionPay 银联 / 云闪付 付款码' },
  // QQ Wallet: no published rule; the official Tencent qpay micropay demo uses 910728310408849937
  // (18 digits, 91…). Unconfirmed: a deployment that sees other QQ codes overrides this row.
  { wallet: 'qq', prefixes: ['91'], lengths: [18], description: 'QQ Wallet QQ钱包 付款码 (format unconfirmed)' },
];

/**
 * The sandbox wallet's codes (src/channels/sandbox/protocol.ts PAYMENT_CODE) fall inside Alipay's
 * range (28…, 18 digits). While the sandbox is on it is tried first and takes them; with the sandbox
 * off (always in production) those codes are Alipay's, as they are in the real world.
 */
const SANDBOX_TABLE: PaycodeRuleSpec[] = [
  { wallet: 'sandbox', prefixes: ['28'], lengths: [18], description: 'Saoma sandbox wallet (test codes; shadows Alipay 28…, 18 digits)' },
];

/** Thrown by parseRules/compileRules: names the row (1-based) and the field that is wrong. */
export class PaycodeRuleError extends Error {
  readonly row: number | null;
  readonly field: string | null;
  constructor(row: number | null, field: string | null, detail: string, wallet?: string) {
    const where = row === null ? '' : `row ${row}${wallet ? ` ("${wallet}")` : ''}${field ? `, field "${field}"` : ''}: `;
    super(`${where}${detail}`);
    this.name = 'PaycodeRuleError';
    this.row = row;
    this.field = field;
  }
}

const RULE_FIELDS = new Set(['wallet', 'prefixes', 'lengths', 'description']);
const WALLET_ID = /^[a-z][a-z0-9_-]{0,31}$/;

function compilePrefix(value: unknown, row: number, field: string, wallet: string): PrefixRange {
  const fail = (detail: string): never => {
    throw new PaycodeRuleError(row, field, detail, wallet);
  };
  // Strings only: a JSON number would silently drop a leading zero (e-CNY codes are said to start 01).
  if (typeof value !== 'string') return fail('must be a string of digits like "62" or a range like "10-15" (a number would lose leading zeros).');
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  if (!m) return fail(`"${value}" is not a prefix: write digits like "62" or a range like "10-15".`);
  const from = m[1]!;
  const to = m[2] ?? from;
  if (from.length !== to.length) return fail(`"${value}": both ends of a prefix range need the same number of digits (e.g. "10-15", "620-629").`);
  if (from.length > MAX_PREFIX_WIDTH) return fail(`"${value}" is longer than ${MAX_PREFIX_WIDTH} digits.`);
  if (from > to) return fail(`"${value}": the range runs backwards; write it low-high.`);
  return { from, to };
}

function compileLength(value: unknown, row: number, field: string, wallet: string): LengthRange {
  const fail = (detail: string): never => {
    throw new PaycodeRuleError(row, field, detail, wallet);
  };
  let min: number;
  let max: number;
  if (typeof value === 'number') {
    min = max = value;
    if (!Number.isInteger(value)) return fail(`${value} is not a whole number of digits.`);
  } else if (typeof value === 'string') {
    const m = /^(\d+)-(\d+)$/.exec(value);
    if (!m) return fail(`"${value}" is not a length: write a number like 18 or a range like "16-24".`);
    min = Number(m[1]);
    max = Number(m[2]);
    if (min > max) return fail(`"${value}": the range runs backwards; write it low-high.`);
  } else {
    return fail('must be a number of digits like 18 or a range like "16-24".');
  }
  if (min < 1 || max > MAX_CODE_LENGTH) return fail(`${JSON.stringify(value)} is outside 1–${MAX_CODE_LENGTH} digits.`);
  return { min, max };
}

function compileRow(value: unknown, row: number): PaycodeRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PaycodeRuleError(row, null, 'must be an object like {"wallet":"jd","prefixes":["18"],"lengths":[18],"description":"JD Pay"}.');
  }
  const r = value as Record<string, unknown>;
  const wallet = typeof r.wallet === 'string' ? r.wallet : undefined;
  const fail = (field: string | null, detail: string): never => {
    throw new PaycodeRuleError(row, field, detail, wallet);
  };
  for (const key of Object.keys(r)) {
    if (!RULE_FIELDS.has(key)) fail(key, `unknown field (a rule has wallet, prefixes, lengths and description).`);
  }
  if (r.wallet === undefined) fail('wallet', 'is missing: name the wallet, e.g. "jd".');
  if (wallet === undefined || !WALLET_ID.test(wallet)) {
    fail('wallet', `${JSON.stringify(r.wallet)} is not a wallet name: lowercase letters, digits, "_" or "-", starting with a letter, at most 32.`);
  }
  if (!Array.isArray(r.prefixes) || r.prefixes.length === 0) fail('prefixes', 'must be a non-empty list, e.g. ["62"] or ["10-15"].');
  if (!Array.isArray(r.lengths) || r.lengths.length === 0) fail('lengths', 'must be a non-empty list, e.g. [18] or ["16-24"].');
  if (r.description !== undefined && (typeof r.description !== 'string' || r.description.trim() === '')) {
    fail('description', 'must be a non-empty string when given.');
  }
  const prefixes = (r.prefixes as unknown[]).map((p, i) => compilePrefix(p, row, `prefixes[${i}]`, wallet!));
  const lengths = (r.lengths as unknown[]).map((l, i) => compileLength(l, row, `lengths[${i}]`, wallet!));
  // A rule that can never match is a mistake, not a harmless row: say so instead of ignoring it.
  const narrowest = Math.min(...prefixes.map((p) => p.from.length));
  const longest = Math.max(...lengths.map((l) => l.max));
  if (longest < narrowest) fail('lengths', `no length reaches the ${narrowest}-digit prefix, so the rule could never match.`);
  return { wallet: wallet!, description: typeof r.description === 'string' ? r.description.trim() : `${wallet} payment code`, prefixes, lengths };
}

/** Validates a table already parsed from JSON. Throws PaycodeRuleError naming the row and field. */
export function compileRules(value: unknown): PaycodeRule[] {
  if (!Array.isArray(value)) throw new PaycodeRuleError(null, null, 'must be a JSON array of rules, e.g. [{"wallet":"jd","prefixes":["18"],"lengths":[18]}].');
  return value.map((row, i) => compileRow(row, i + 1));
}

/** Validates an extension table from configuration (the text of a SAOMA_PAYCODE_RULES file). */
export function parseRules(json: string): PaycodeRule[] {
  let value: unknown;
  try {
    // Editors on Windows save JSON with a byte-order mark, which JSON.parse refuses.
    value = JSON.parse(json.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new PaycodeRuleError(null, null, `not valid JSON: ${(e as Error).message}`);
  }
  return compileRules(value);
}

/** The rule as it is written in a rules file (round-trips through parseRules). */
export function ruleSpec(rule: PaycodeRule): Required<PaycodeRuleSpec> {
  return {
    wallet: rule.wallet,
    prefixes: rule.prefixes.map((p) => (p.from === p.to ? p.from : `${p.from}-${p.to}`)),
    lengths: rule.lengths.map((l) => (l.min === l.max ? l.min : `${l.min}-${l.max}`)),
    description: rule.description,
  };
}

/** "18 digits starting 10–15", for people. */
export function describeRule(rule: PaycodeRule): string {
  const lengths = rule.lengths.map((l) => (l.min === l.max ? `${l.min}` : `${l.min}–${l.max}`)).join(' or ');
  const prefixes = rule.prefixes.map((p) => (p.from === p.to ? p.from : `${p.from}–${p.to}`)).join(' or ');
  return `${lengths} digits starting ${prefixes}`;
}

export const WALLET_RULES: readonly PaycodeRule[] = Object.freeze(compileRules(WALLET_TABLE));
export const SANDBOX_RULE: PaycodeRule = compileRules(SANDBOX_TABLE)[0]!;

/** The built-in rules in the order they are tried: the sandbox first when it is on (it shadows part of Alipay). */
export function builtInRules(opts: { sandbox: boolean }): PaycodeRule[] {
  return opts.sandbox ? [SANDBOX_RULE, ...WALLET_RULES] : [...WALLET_RULES];
}

/**
 * Configured rules first, then the built-in ones. A configured row for a wallet that is also built in
 * replaces every built-in row of that wallet: the configuration is the newer word on that wallet's
 * format, and keeping the old row would let codes it no longer allows through.
 */
export function mergeRules(builtIn: readonly PaycodeRule[], extra: readonly PaycodeRule[]): PaycodeRule[] {
  const configured = new Set(extra.map((r) => r.wallet));
  return [...extra, ...builtIn.filter((r) => !configured.has(r.wallet))];
}

function hasLength(rule: PaycodeRule, length: number): boolean {
  return rule.lengths.some((l) => length >= l.min && length <= l.max);
}

function hasPrefix(rule: PaycodeRule, code: string): boolean {
  // Equal-width digit strings compare as numbers do.
  return rule.prefixes.some((p) => {
    if (code.length < p.from.length) return false;
    const head = code.slice(0, p.from.length);
    return head >= p.from && head <= p.to;
  });
}

/** Every rule a digit string satisfies, in order. More than one means a rule shadows another. */
export function matchingRules(code: string, rules: readonly PaycodeRule[]): PaycodeRule[] {
  return rules.filter((r) => hasLength(r, code.length) && hasPrefix(r, code));
}

export type LooksLike = 'url' | 'emv_mpm' | 'emv_cpm' | 'spaced_digits' | 'fullwidth_digits' | 'text' | 'not_text';
export type BarcodeFormat = 'EAN-13' | 'UPC-A' | 'EAN-8';

interface FailureBase {
  ok: false;
  /** The input after trimming (what would have been sent to the wallet). */
  code: string;
  /** English, specific; never contains more than the first two digits of a code. */
  message: string;
  /** The wallets tried, in order. */
  tried: string[];
}

export type PaycodeFailure = FailureBase & (
  | { reason: 'empty' }
  | { reason: 'not_digits'; looksLike: LooksLike; position: number; char: string }
  | { reason: 'product_barcode'; format: BarcodeFormat; length: number }
  | { reason: 'too_short'; length: number; min: number; startsLike: string[] }
  | { reason: 'too_long'; length: number; max: number; startsLike: string[] }
  | { reason: 'no_match'; length: number; startsLike: string[] }
);

export interface PaycodeMatch {
  ok: true;
  code: string;
  wallet: string;
  rule: PaycodeRule;
  /** Later rules the code also satisfies (e.g. alipay behind sandbox): useful when a configured rule shadows one. */
  shadows: string[];
}

export type PaycodeDetection = PaycodeMatch | PaycodeFailure;

/** What a scanner gun wraps around a code: whitespace, CR/LF/Tab suffixes, STX/ETX framing, a BOM. */
function isEdgeJunk(ch: number): boolean {
  return ch <= 0x20 || ch === 0x7f || ch === 0xa0 || ch === 0x3000 || ch === 0xfeff || (ch >= 0x2000 && ch <= 0x200b) || ch === 0x2028 || ch === 0x2029;
}

/** Trims scanner framing at both ends; loops rather than a regex so a huge input costs linear time. */
export function normalizePaycode(input: string): string {
  let start = 0;
  let end = input.length;
  while (start < end && isEdgeJunk(input.charCodeAt(start))) start++;
  while (end > start && isEdgeJunk(input.charCodeAt(end - 1))) end--;
  return input.slice(start, end);
}

/** GS1 check digit (EAN-8, UPC-A, EAN-13): weights 3,1,3,… from the right, excluding the check digit. */
function gs1CheckDigitValid(code: string): boolean {
  let sum = 0;
  for (let i = code.length - 2, w = 3; i >= 0; i--, w = 4 - w) sum += (code.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10 === code.charCodeAt(code.length - 1) - 48;
}

const BARCODE_BY_LENGTH: Record<number, BarcodeFormat> = { 8: 'EAN-8', 12: 'UPC-A', 13: 'EAN-13' };

function preview(text: string): string {
  const shown = [...text].slice(0, 40).join('');
  return JSON.stringify(shown.length < text.length ? `${shown}…` : shown);
}

function classifyNonDigits(code: string): { looksLike: LooksLike; position: number; char: string } {
  let i = 0;
  while (i < code.length && code.charCodeAt(i) >= 48 && code.charCodeAt(i) <= 57) i++;
  const char = String.fromCodePoint(code.codePointAt(i)!);
  const at = { position: i + 1, char };
  // A URL: a QR scanned by mistake — a payment link, or the customer's 收款码 (a code to receive money).
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(code) || /^www\./i.test(code)) return { looksLike: 'url', ...at };
  // An EMVCo merchant-presented QR starts with its payload format indicator 000201.
  if (code.startsWith('000201')) return { looksLike: 'emv_mpm', ...at };
  // An EMVCo consumer-presented code is base64 of BER-TLV starting 85 05 "CPV01". Nine characters
  // carry its first 54 bits; the tenth depends on the next tag (61 gives "hQVDUFYwMW", not "…MQ").
  if (code.startsWith('hQVDUFYwM')) return { looksLike: 'emv_cpm', ...at };
  if (/^[0-9]+(?:[ \t-][0-9]+)+$/.test(code)) return { looksLike: 'spaced_digits', ...at };
  if (/^[0-9０-９]+$/.test(code)) return { looksLike: 'fullwidth_digits', ...at };
  return { looksLike: 'text', ...at };
}

function notDigitsMessage(code: string, c: { looksLike: LooksLike; position: number; char: string }): string {
  switch (c.looksLike) {
    case 'url': return `The scan ${preview(code)} is a URL or QR link (perhaps the customer's 收款码 or a payment link), not a payment code: ask the customer to open the payment code (付款码) page.`;
    case 'emv_mpm': return 'The scan is a merchant-presented EMVCo QR (a code to pay into), not a customer\'s payment code.';
    case 'emv_cpm': return 'The scan is an EMVCo consumer-presented QR (base64 TLV), which is not accepted here: ask for the wallet\'s digit barcode (付款码).';
    case 'spaced_digits': return 'The payment code has spaces or dashes between its digits: enter the digits only.';
    case 'fullwidth_digits': return 'The payment code has full-width digits (０–９): switch the input method to half-width and enter it again.';
    default: return `The payment code has ${JSON.stringify(c.char)} at position ${c.position}: a payment code is digits only.`;
  }
}

/**
 * The wallet a scanned payment code belongs to: the first rule it satisfies (configured rules come
 * first; see mergeRules), or why none fits. Never throws, whatever it is given.
 */
export function detectWallet(input: unknown, rules: readonly PaycodeRule[]): PaycodeDetection {
  const tried = rules.map((r) => r.wallet);
  if (input === null || input === undefined) return { ok: false, reason: 'empty', code: '', tried, message: 'No payment code: the scan was empty.' };
  if (typeof input !== 'string') {
    return { ok: false, reason: 'not_digits', looksLike: 'not_text', position: 1, char: '', code: '', tried, message: `The payment code is a ${typeof input}, not a string of digits.` };
  }
  const code = normalizePaycode(input);
  if (code === '') return { ok: false, reason: 'empty', code, tried, message: 'No payment code: the scan was empty.' };
  if (!/^[0-9]+$/.test(code)) {
    const c = classifyNonDigits(code);
    return { ok: false, reason: 'not_digits', ...c, code, tried, message: notDigitsMessage(code, c) };
  }
  const matches = matchingRules(code, rules);
  if (matches.length > 0) {
    const rule = matches[0]!;
    return { ok: true, code, wallet: rule.wallet, rule, shadows: [...new Set(matches.slice(1).map((r) => r.wallet))].filter((w) => w !== rule.wallet) };
  }

  const length = code.length;
  const head = code.slice(0, 2);
  // Rules whose prefix fits but not their length: a digit dropped or doubled by hand entry.
  const prefixRules = rules.filter((r) => hasPrefix(r, code));
  const startsLike = [...new Set(prefixRules.map((r) => r.wallet))];
  const near = prefixRules.length ? ` It starts like ${prefixRules.map((r) => `${r.wallet} (${describeRule(r)})`).join(' or ')}: was a digit missed or added?` : '';
  const format = BARCODE_BY_LENGTH[length];
  if (format && gs1CheckDigitValid(code)) {
    return {
      ok: false, reason: 'product_barcode', format, length, code, tried,
      message: `The scan looks like a product barcode (${format}, check digit valid), not a payment code: scan the customer's payment code (付款码) instead.`,
    };
  }
  const all = rules.flatMap((r) => r.lengths);
  const min = all.length ? Math.min(...all.map((l) => l.min)) : undefined;
  const max = all.length ? Math.max(...all.map((l) => l.max)) : undefined;
  const triedText = tried.length ? ` (tried: ${[...new Set(tried)].join(', ')})` : ' (no wallet rules are configured)';
  if (min !== undefined && length < min) {
    return { ok: false, reason: 'too_short', length, min, startsLike, code, tried, message: `The payment code is too short: ${length} digits, and no wallet's code has fewer than ${min}${triedText}.${near}` };
  }
  if (max !== undefined && length > max) {
    return { ok: false, reason: 'too_long', length, max, startsLike, code, tried, message: `The payment code is too long: ${length} digits, and no wallet's code has more than ${max}${triedText}.${near}` };
  }
  return { ok: false, reason: 'no_match', length, startsLike, code, tried, message: `No wallet uses ${length}-digit payment codes starting ${head}${triedText}.${near}` };
}

/** A failed detection as the API error the client sees (400 invalid_payment_code). */
export function paycodeError(failure: PaycodeFailure): SaomaError {
  const { ok: _ok, code: _code, message, ...details } = failure;
  return new SaomaError('invalid_payment_code', message, details);
}
