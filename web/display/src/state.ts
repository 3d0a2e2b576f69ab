/**
 * What a customer display shows: the POS pushes it (web/pos/src/display-link.tsx), the server checks
 * it (src/display/state.ts), the display renders it (main.tsx). Plain TypeScript, no JSX or DOM, so
 * pure modules and the server's typecheck can import it.
 */
export interface DisplayItem { name: string; quantity: number; unitPrice: number }

/**
 * What the customer display shows; pushed by the POS as the sale moves (`PUT /v1/terminal/display`).
 * - `idle`: between customers (the display greets, and goes back to its default language);
 * - `sale`: the lines so far, the total, what is paid and what is still due;
 * - `qr`: the dynamic QR to scan, with its expiry;
 * - `result`: a payment is under way (payment code, or after the QR): the display says "paid" only
 *   when the server's own payment event says succeeded, never because the POS pushed this;
 * - `change`: cash taken, change given;
 * - `sign`: the customer signs for a paid payment (验证收据) on the display; the display sends the
 *   signature with its own token, and the server takes it only for the payment the POS named here.
 * Amounts in minor units (fen). The server refuses more than 100 lines or names over 64 characters,
 * and drops the last lines (marking `truncated`) if a push would not fit one PostgreSQL NOTIFY.
 */
export type DisplayState =
  | { view: 'idle' }
  | { view: 'sale'; amount: number; currency: string; due: number; paid: number; items: DisplayItem[]; truncated?: boolean }
  | { view: 'qr'; amount: number; currency: string; qrCode: string; expiresAt: string | null; paymentId: string }
  | { view: 'result'; amount: number; currency: string; paymentId: string }
  | { view: 'change'; amount: number; currency: string; tendered: number; change: number }
  | { view: 'sign'; amount: number; currency: string; paymentId: string; gifts?: Array<{ name: string; quantity: number }> };
