/**
 * The payment schemes Saoma recognises in an EMVCo merchant-presented QR, as data: adding a scheme is
 * adding a row. A row says where the scheme puts its merchant account (root tags), how to tell it is
 * this scheme (the template's Globally Unique Identifier in sub-tag 00, another sub-field, or for the
 * card networks the mere presence of their reserved primitive tag), what its sub-fields are called, and
 * where it keeps an expiry if it defines one.
 *
 * Sources for each row are in the comment above it; the tests decode a published payload per scheme.
 */

export interface SubField {
  readonly name: string;
  /** The sub-field is itself a template; names of its sub-fields. */
  readonly template?: Readonly<Record<string, string>>;
}

export interface SchemeCondition {
  /** Root tags the scheme's data object may sit in. */
  readonly tags: readonly string[];
  /** Sub-tag 00 (GUID) equals one of these, compared case-insensitively (reverse domains appear in both cases). */
  readonly guids?: readonly string[];
  /** Sub-tag 00 matches this. */
  readonly guidPattern?: RegExp;
  /** Another sub-field matches. */
  readonly sub?: { readonly id: string; readonly pattern: RegExp };
  /** The root tag is a primitive account (card networks): its presence is the match. */
  readonly primitive?: true;
  /** The payload's country (tag 58) must be this. */
  readonly country?: string;
}

export interface SchemeExpiry {
  /** `match`: a sub-field of the matched template; otherwise a root template's ID (KHQR keeps it in 99). */
  readonly in: 'match' | string;
  readonly sub: string;
  /** `date`: YYYYMMDD or YYYYMMDDhhmmss in the scheme's local time; `epoch-ms`: milliseconds since 1970 UTC. */
  readonly format: 'date' | 'epoch-ms';
}

export interface SchemeRow {
  readonly id: string;
  readonly name: string;
  readonly country?: string;
  /** Any one condition is enough. */
  readonly when: readonly SchemeCondition[];
  /** Names of the matched template's sub-fields. */
  readonly fields?: Readonly<Record<string, SubField>>;
  /** Root templates outside the merchant account that the scheme defines (names of their sub-fields). */
  readonly templates?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** A primitive account split into named fixed-width parts when its length is the sum of the widths. */
  readonly parts?: ReadonlyArray<readonly [string, number]>;
  readonly expiry?: SchemeExpiry;
}

const ids = (lo: number, hi: number): string[] => Array.from({ length: hi - lo + 1 }, (_, i) => String(lo + i).padStart(2, '0'));
const MERCHANT_TEMPLATES = ids(26, 51);

export const SCHEMES: readonly SchemeRow[] = [
  // Banco Central do Brasil, Manual do BR Code / Manual de Padrões para Iniciação do Pix: GUI
  // "br.gov.bcb.pix" (older codes uppercase), 01 key, 02 free text, 25 location URL of a dynamic charge.
  // A dynamic Pix's expiry lives in the JSON behind that URL (calendario.expiracao), not in the QR.
  {
    id: 'pix', name: 'Pix (BR Code)', country: 'BR',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['br.gov.bcb.pix'] }],
    fields: { '01': { name: 'Pix Key' }, '02': { name: 'Additional Information' }, '25': { name: 'Payload Location (URL)' } },
  },
  // PayNow (Singapore) in SGQR: 01 proxy type (0 mobile, 2 UEN), 02 proxy value, 03 amount editable
  // (1/0), 04 expiry date YYYYMMDD (some issuers write YYYYMMDDhhmmss), Singapore time.
  {
    id: 'paynow', name: 'PayNow', country: 'SG',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['SG.PAYNOW'] }],
    fields: { '01': { name: 'Proxy Type' }, '02': { name: 'Proxy Value' }, '03': { name: 'Amount Editable' }, '04': { name: 'Expiry Date' } },
    expiry: { in: 'match', sub: '04', format: 'date' },
  },
  // SGQR identity template, tag 51 "SG.SGQR" (the SGQR specification's sample payload).
  {
    id: 'sgqr', name: 'SGQR', country: 'SG',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['SG.SGQR'] }],
    fields: {
      '01': { name: 'SGQR ID Number' }, '02': { name: 'Version' }, '03': { name: 'Postal Code' }, '04': { name: 'Level' },
      '05': { name: 'Unit Number' }, '06': { name: 'Miscellaneous' }, '07': { name: 'New Version Date' },
    },
  },
  // NETS and GrabPay appear in the SGQR specification's sample payload.
  { id: 'nets', name: 'NETS', country: 'SG', when: [{ tags: MERCHANT_TEMPLATES, guids: ['SG.COM.NETS'] }] },
  { id: 'grabpay', name: 'GrabPay', when: [{ tags: MERCHANT_TEMPLATES, guids: ['COM.GRAB'] }] },
  // PromptPay (Thailand, ITMX/BOT) credit transfer, tag 29, AID A000000677010111: 01 mobile (0066 + 9
  // digits), 02 national/tax ID, 03 e-wallet ID, 04 bank account, 05 OTA (promptpay-qr's source).
  {
    id: 'promptpay', name: 'PromptPay (credit transfer)', country: 'TH',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['A000000677010111'] }],
    fields: { '01': { name: 'Mobile Number' }, '02': { name: 'National ID / Tax ID' }, '03': { name: 'E-Wallet ID' }, '04': { name: 'Bank Account' }, '05': { name: 'OTA' } },
  },
  // PromptPay bill payment, tag 30, AID A000000677010112: 01 biller ID, 02 reference 1, 03 reference 2.
  // Thai bank merchant QRs also carry A000000677010113 (next to the bill payment template) and
  // A000000677010114; recognised as PromptPay, sub-fields left generic.
  {
    id: 'promptpay-bill', name: 'PromptPay (bill payment)', country: 'TH',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['A000000677010112'] }],
    fields: { '01': { name: 'Biller ID' }, '02': { name: 'Reference 1' }, '03': { name: 'Reference 2' } },
  },
  {
    id: 'promptpay-other', name: 'PromptPay (other application)', country: 'TH',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['A000000677010113', 'A000000677010114'] }],
  },
  // QRIS (Bank Indonesia / ASPI): tag 51 "ID.CO.QRIS.WWW" holds the national merchant ID (NMID, "ID…")
  // and merchant criteria (UMI/UKE/UME/UBE/URE); tags 26–45 hold issuer (PJSP) templates whose GUID is
  // the issuer's reverse domain (ID.CO.SHOPEE.WWW, or COM.NOBUBANK.WWW) and whose 01 is the 18-digit
  // merchant PAN starting with the national NNS prefix 9360.
  {
    id: 'qris', name: 'QRIS', country: 'ID',
    when: [
      { tags: MERCHANT_TEMPLATES, guids: ['ID.CO.QRIS.WWW'] },
      { tags: ids(26, 45), guidPattern: /^ID\.[A-Z0-9.]+$/i },
      { tags: ids(26, 45), sub: { id: '01', pattern: /^9360\d{14}$/ } },
    ],
    fields: { '01': { name: 'Merchant PAN' }, '02': { name: 'Merchant ID / NMID' }, '03': { name: 'Merchant Criteria' } },
  },
  // DuitNow QR (PayNet, Malaysia): tag 26, AID A0000006150001, 01 acquirer/participant ID, 02 merchant ID.
  {
    id: 'duitnow', name: 'DuitNow QR', country: 'MY',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['A0000006150001'] }],
    fields: { '01': { name: 'Acquirer ID' }, '02': { name: 'Merchant ID' } },
  },
  // VietQR (NAPAS): tag 38, AID A000000727, 01 beneficiary (00 acquirer BIN, 01 account or card number),
  // 02 service code QRIBFTTA (to account) / QRIBFTTC (to card) / QRPUSH.
  {
    id: 'vietqr', name: 'VietQR (NAPAS)', country: 'VN',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['A000000727'] }],
    fields: {
      '01': { name: 'Beneficiary Organization', template: { '00': 'Acquirer BIN', '01': 'Account or Card Number' } },
      '02': { name: 'Service Code' },
    },
  },
  // KHQR (National Bank of Cambodia, Bakong): tag 29 individual or 30 merchant; sub 00 is not a GUID but
  // the Bakong account ID "name@bank"; 01 account information (29) or merchant ID (30), 02 acquiring
  // bank. Template 99 holds 00 creation and 01 expiration timestamps in milliseconds (bakong-khqr SDK).
  {
    id: 'khqr', name: 'KHQR (Bakong)', country: 'KH',
    when: [{ tags: ['29', '30'], guidPattern: /^[^\s@]+@[^\s@]+$/ }],
    fields: { '00': { name: 'Bakong Account ID' }, '01': { name: 'Account Information / Merchant ID' }, '02': { name: 'Acquiring Bank' } },
    templates: { '99': { '00': 'Creation Timestamp', '01': 'Expiration Timestamp' } },
    expiry: { in: '99', sub: '01', format: 'epoch-ms' },
  },
  // BharatQR (NPCI with Visa, Mastercard, RuPay): card networks in 02–05, RuPay in 06–07, IFSC +
  // account in 08, UPI in templates with NPCI's RID A000000524 (26: 01 VPA, 02 minimum amount;
  // 27: 01 transaction reference).
  {
    id: 'bharatqr', name: 'BharatQR', country: 'IN',
    when: [
      { tags: ids(2, 8), primitive: true, country: 'IN' },
      { tags: MERCHANT_TEMPLATES, guids: ['A000000524'], country: 'IN' },
    ],
  },
  {
    id: 'upi', name: 'UPI (NPCI)', country: 'IN',
    when: [{ tags: MERCHANT_TEMPLATES, guids: ['A000000524'] }],
    fields: { '01': { name: 'VPA / Reference' }, '02': { name: 'Minimum Amount' } },
  },
  // The card networks' reserved primitive tags (EMV QRCPS MPM §4.2).
  { id: 'visa', name: 'Visa', when: [{ tags: ['02', '03'], primitive: true }] },
  { id: 'mastercard', name: 'Mastercard', when: [{ tags: ['04', '05'], primitive: true }] },
  { id: 'rupay', name: 'RuPay', country: 'IN', when: [{ tags: ['06', '07'], primitive: true, country: 'IN' }] },
  { id: 'discover', name: 'Discover', when: [{ tags: ['09', '10'], primitive: true }] },
  { id: 'amex', name: 'American Express', when: [{ tags: ['11', '12'], primitive: true }] },
  { id: 'jcb', name: 'JCB', when: [{ tags: ['13', '14'], primitive: true }] },
  // UnionPay International, tags 15–16: acquirer IIN (8) + forwarding IIN (8) + merchant ID (15).
  {
    id: 'unionpay', name: 'UnionPay International',
    when: [{ tags: ['15', '16'], primitive: true }],
    parts: [['Acquirer IIN', 8], ['Forwarding IIN', 8], ['Merchant ID', 15]],
  },
  // Wallets with their own templates in SGQR payloads (SGQR specification sample; a published SGQR).
  { id: 'wechatpay', name: 'WeChat Pay', when: [{ tags: MERCHANT_TEMPLATES, guids: ['COM.QQ.WEIXIN.PAY'] }] },
  { id: 'alipay', name: 'Alipay', when: [{ tags: MERCHANT_TEMPLATES, guids: ['COM.ALIPAY.OPENAPI'] }] },
];
