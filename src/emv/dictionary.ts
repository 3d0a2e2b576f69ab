/**
 * Names of EMVCo MPM data objects (EMV QRCPS Merchant-Presented Mode v1.1), by where they sit. Scheme
 * specific names for the sub-fields of merchant account templates live in schemes.ts; these are the
 * names the specification itself gives.
 */

/**
 * How a data object's value is read:
 * - `strict`: a template by the specification and in every scheme we know; a value that is not a
 *   well-formed sequence of data objects is an error (it means the payload is damaged).
 * - `lenient`: a template by the specification, but real payloads put other things there (DuitNow
 *   QRs carry a 32-hex-digit signature in root tag 82, for example); read as a template when it parses
 *   cleanly, otherwise kept as a plain value with a warning.
 * - `primitive`: a plain value.
 */
export type Shape = 'strict' | 'lenient' | 'primitive';

export interface TagInfo {
  readonly name: string;
  /** False for IDs the specification reserves (RFU): kept and shown, but nothing reads meaning into them. */
  readonly known: boolean;
  readonly shape: Shape;
}

const num = (id: string) => Number(id);
const between = (id: string, lo: number, hi: number) => num(id) >= lo && num(id) <= hi;

const ROOT: Readonly<Record<string, string>> = {
  '00': 'Payload Format Indicator',
  '01': 'Point of Initiation Method',
  '52': 'Merchant Category Code',
  '53': 'Transaction Currency',
  '54': 'Transaction Amount',
  '55': 'Tip or Convenience Indicator',
  '56': 'Value of Convenience Fee Fixed',
  '57': 'Value of Convenience Fee Percentage',
  '58': 'Country Code',
  '59': 'Merchant Name',
  '60': 'Merchant City',
  '61': 'Postal Code',
  '62': 'Additional Data Field Template',
  '63': 'CRC',
  '64': 'Merchant Information — Language Template',
};

/** IDs 02–16 are primitive merchant accounts reserved for the card networks, two IDs each (three for EMVCo). */
const NETWORK_IDS: ReadonlyArray<readonly [number, number, string]> = [
  [2, 3, 'Visa'],
  [4, 5, 'Mastercard'],
  [6, 8, 'EMVCo'],
  [9, 10, 'Discover'],
  [11, 12, 'Amex'],
  [13, 14, 'JCB'],
  [15, 16, 'UnionPay'],
];

export function rootTag(id: string): TagInfo {
  const named = ROOT[id];
  if (named) return { name: named, known: true, shape: id === '62' || id === '64' ? 'strict' : 'primitive' };
  for (const [lo, hi, network] of NETWORK_IDS) {
    if (between(id, lo, hi)) return { name: `Merchant Account Information (${network})`, known: true, shape: 'primitive' };
  }
  if (between(id, 17, 25)) return { name: 'Merchant Account Information (reserved for EMVCo)', known: false, shape: 'primitive' };
  if (between(id, 26, 51)) return { name: 'Merchant Account Information', known: true, shape: 'strict' };
  if (between(id, 65, 79)) return { name: 'RFU for EMVCo', known: false, shape: 'primitive' };
  return { name: 'Unreserved Template', known: true, shape: 'lenient' };
}

const ADDITIONAL: Readonly<Record<string, string>> = {
  '01': 'Bill Number',
  '02': 'Mobile Number',
  '03': 'Store Label',
  '04': 'Loyalty Number',
  '05': 'Reference Label',
  '06': 'Customer Label',
  '07': 'Terminal Label',
  '08': 'Purpose of Transaction',
  '09': 'Additional Consumer Data Request',
  '10': 'Merchant Tax ID',
  '11': 'Merchant Channel',
};

const LANGUAGE: Readonly<Record<string, string>> = {
  '00': 'Language Preference',
  '01': 'Merchant Name — Alternate Language',
  '02': 'Merchant City — Alternate Language',
};

/** A data object inside template `parent` (a root ID, or a deeper ID when `depth` > 1). */
export function subTag(parent: string, id: string, depth: number): TagInfo {
  if (depth === 1 && parent === '62') {
    const named = ADDITIONAL[id];
    if (named) return { name: named, known: true, shape: 'primitive' };
    if (between(id, 50, 99)) return { name: 'Payment System Specific Template', known: true, shape: 'lenient' };
    return { name: 'RFU for EMVCo', known: false, shape: 'primitive' };
  }
  if (depth === 1 && parent === '64') {
    const named = LANGUAGE[id];
    if (named) return { name: named, known: true, shape: 'primitive' };
    return { name: 'RFU for EMVCo', known: false, shape: 'primitive' };
  }
  if (id === '00') return { name: 'Globally Unique Identifier', known: true, shape: 'primitive' };
  if (depth === 1 && between(parent, 26, 51)) return { name: 'Payment Network Specific', known: true, shape: 'primitive' };
  if (depth === 1 && between(parent, 80, 99)) return { name: 'Context Specific Data', known: true, shape: 'primitive' };
  return { name: 'Payment System Specific', known: true, shape: 'primitive' };
}
