/**
 * EMVCo QR Code Specification for Payment Systems, Merchant-Presented Mode: decode, check and encode
 * the payloads behind the QR codes that PromptPay, PayNow/SGQR, Pix, QRIS, DuitNow, VietQR, KHQR,
 * BharatQR and UnionPay International merchants display. Pure: no I/O, no clock.
 */
export { crc16 } from './crc.ts';
export { CURRENCY_NUMERIC, currencyFromNumeric, numericFromCurrency } from './currency.ts';
export { decodePayload, type DataObject, type DecodedPayload, type DecodeOptions, type RecognisedScheme, type SchemeMatch } from './decode.ts';
export { buildMpm, encodeObjects, parseNodes, serialize, type AccountInput, type AdditionalData, type EmvNode, type MpmInput } from './encode.ts';
export { SCHEMES, type SchemeRow } from './schemes.ts';
