/** The messages between the camera view and its decoding worker. */
export interface DecodeRequest { image: ImageData }
export interface Decoded { text: string; format: string }
export type DecodeReply = { ok: true; codes: Decoded[] } | { ok: false; message: string };

/**
 * What the camera reads: the customer's payment-code screen shows a QR and a Code128; the other
 * retail 1D formats are read too, so a product barcode held up by mistake gets its own message.
 */
export const FORMATS = ['qr_code', 'code_128', 'ean_13', 'ean_8', 'upc_a', 'upc_e', 'itf', 'code_39'] as const;
