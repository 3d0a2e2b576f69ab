import type { Client } from './api.ts';
import type { T } from './t.ts';

/** What the customer display shows; pushed by the POS as the sale moves. */
export type DisplayState =
  | { view: 'idle' }
  | { view: 'sale'; amount: number; currency: 'CNY'; due: number; paid: number; items: Array<{ name: string; quantity: number; unitPrice: number }> }
  | { view: 'qr'; amount: number; currency: 'CNY'; qrCode: string; expiresAt: string | null; paymentId: string };

/** Tell this terminal's customer display what to show. Never throws; the display is a courtesy. */
export function pushDisplay(_client: Client, _state: DisplayState): void {}

/** Pair a customer display: shows the link (and its QR) the display opens. */
export function DisplayPairing(_: { t: T; client: Client }) {
  return null;
}
