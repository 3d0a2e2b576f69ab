import { Type, type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type { Payment } from '../core/domain.ts';
import { MAX_MINOR } from '../core/money.ts';

/** Lines on one display push; the same bound as a sale's lines. */
export const MAX_DISPLAY_ITEMS = 100;
/**
 * A push must fit one PostgreSQL NOTIFY (under 8000 bytes) with its envelope (instance, terminal id):
 * 7,500 bytes in all, so the state itself gets 7,400. Beyond that the last lines are dropped and the
 * state says `truncated`; the totals are always whole.
 */
export const MAX_DISPLAY_STATE_BYTES = 7_400;

const Minor = Type.Integer({ minimum: 0, maximum: MAX_MINOR, description: 'Minor units (fen)' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. CNY' });
const PaymentId = Type.String({ pattern: '^pay_[0-9a-z]{26}$' });
const Item = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  quantity: Type.Integer({ minimum: 1, maximum: 9999 }),
  unitPrice: Minor,
}, { additionalProperties: false });

const Idle = Type.Object({ view: Type.Literal('idle') }, { additionalProperties: false });
const Sale = Type.Object({
  view: Type.Literal('sale'),
  currency: Currency,
  amount: Minor,
  due: Minor,
  paid: Minor,
  items: Type.Array(Item, { maxItems: MAX_DISPLAY_ITEMS }),
  truncated: Type.Optional(Type.Boolean({ description: 'Set by the server when lines were dropped to fit' })),
}, { additionalProperties: false });
const Qr = Type.Object({
  view: Type.Literal('qr'),
  currency: Currency,
  amount: Minor,
  paymentId: PaymentId,
  qrCode: Type.String({ minLength: 1, maxLength: 2048 }),
  expiresAt: Type.Union([Type.String({ format: 'date-time', maxLength: 40 }), Type.Null()]),
}, { additionalProperties: false });
const Result = Type.Object({
  view: Type.Literal('result'),
  currency: Currency,
  amount: Minor,
  paymentId: PaymentId,
}, { additionalProperties: false });
const Change = Type.Object({
  view: Type.Literal('change'),
  currency: Currency,
  amount: Minor,
  tendered: Minor,
  change: Minor,
}, { additionalProperties: false });

const Gift = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false });
const Sign = Type.Object({
  view: Type.Literal('sign'),
  currency: Currency,
  amount: Minor,
  paymentId: PaymentId,
  gifts: Type.Optional(Type.Array(Gift, { maxItems: 20, description: 'Gifts given with the sale, recorded on the signed receipt' })),
}, { additionalProperties: false });

/**
 * What the customer display shows, pushed by the POS. `qr` and `result` name a payment: the display
 * shows it paid only when the server's own payment event says so, never on the POS's word.
 */
export const DisplayStateSchema = Type.Union([Idle, Sale, Qr, Result, Change, Sign]);
export type DisplayState = Static<typeof DisplayStateSchema>;

const VIEWS: Record<string, TSchema> = { idle: Idle, sale: Sale, qr: Qr, result: Result, change: Change, sign: Sign };

/**
 * What is wrong with a push, judged against the one view it names: a validator facing the whole union
 * lists every view's complaints ("must have required property 'tendered'" for a sale), which helps nobody.
 * Null when the push is good.
 */
export function displayStateProblem(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object with a "view"';
  const view = (body as { view?: unknown }).view;
  const schema = typeof view === 'string' && Object.prototype.hasOwnProperty.call(VIEWS, view) ? VIEWS[view] : undefined;
  if (!schema) return `body/view must be one of ${Object.keys(VIEWS).join(', ')}`;
  for (const e of Value.Errors(schema, body)) {
    if (e.keyword === 'boolean') continue; // the same extra field again, as "schema is false"
    const extra = e.keyword === 'additionalProperties' ? `: ${((e.params as { additionalProperties?: string[] }).additionalProperties ?? []).join(', ')}` : '';
    return `body${e.instancePath} ${e.message}${extra}`;
  }
  return null;
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/** The state as it will travel: lines beyond what fits MAX_DISPLAY_STATE_BYTES are dropped and marked. */
export function fitDisplayState(state: DisplayState): DisplayState {
  if (state.view !== 'sale' || bytes(state) <= MAX_DISPLAY_STATE_BYTES) return state;
  const fitted = { ...state, items: [...state.items], truncated: true };
  // Each line costs its JSON and a comma: drop from the end until the rest fits, measuring once.
  let over = bytes(fitted) - MAX_DISPLAY_STATE_BYTES;
  while (fitted.items.length > 0 && over > 0) over -= bytes(fitted.items.pop()) + 1;
  return fitted;
}

/** The payment as a customer display sees it: no trade numbers, channel references or descriptions. */
export interface DisplayPayment {
  id: string;
  state: Payment['state'];
  method: Payment['method'];
  amount: number;
  currency: string;
  tendered: number | null;
  change: number | null;
  updatedAt: string;
}

export function displayPayment(p: Payment): DisplayPayment {
  return { id: p.id, state: p.state, method: p.method, amount: p.amount, currency: p.currency, tendered: p.tendered, change: p.change, updatedAt: p.updatedAt };
}
