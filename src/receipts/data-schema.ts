import { Type } from 'typebox';
import Value from 'typebox/value';
import { SaomaError } from '../core/errors.ts';
import type { ReceiptData } from './model.ts';

/** The shape of ReceiptData, for data that comes from outside (the CLI's --data, the API). */
const Str = (max: number) => Type.String({ maxLength: max });
const Minor = Type.Integer({ minimum: -1_000_000_000_000, maximum: 1_000_000_000_000 });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const Tender = Type.Object({
  channel: Str(32), amount: Minor,
  tendered: Type.Optional(Type.Union([Minor, Type.Null()])), change: Type.Optional(Type.Union([Minor, Type.Null()])),
  channelTradeNo: Nullable(Str(64)), outTradeNo: Nullable(Str(64)),
});
export const ReceiptDataSchema = Type.Object({
  merchant: Type.Object({ name: Str(100), timezone: Str(64) }),
  store: Type.Object({ name: Str(100), address: Nullable(Str(200)) }),
  terminal: Type.Optional(Type.Object({ name: Str(100) })),
  operator: Type.Optional(Type.Object({ name: Str(100) })),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  at: Str(40),
  sale: Type.Optional(Type.Object({
    id: Str(64), number: Nullable(Str(64)), createdAt: Str(40), amount: Minor,
    items: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.Object({ name: Str(64), quantity: Type.Integer({ minimum: 1, maximum: 9999 }), unitPrice: Minor }), { maxItems: 200 })])),
    tenders: Type.Array(Tender, { maxItems: 20 }),
    change: Type.Optional(Minor),
    gifts: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.Object({ name: Str(64), quantity: Type.Integer({ minimum: 1, maximum: 9999 }) }), { maxItems: 50 })])),
    note: Nullable(Str(200)),
  })),
  refund: Type.Optional(Type.Object({
    amount: Minor, channel: Str(32), outRefundNo: Str(64), reason: Nullable(Str(128)), at: Str(40), channelRefundNo: Nullable(Str(64)),
    saleId: Nullable(Str(64)), originalAmount: Minor, refundedBefore: Type.Optional(Minor),
  })),
  shift: Type.Optional(Type.Object({
    id: Str(64), openedAt: Str(40), closedAt: Nullable(Str(40)), openedBy: Str(100), closedBy: Nullable(Str(100)),
    openingFloat: Minor, expectedCash: Minor, countedCash: Type.Optional(Type.Union([Minor, Type.Null()])),
    totals: Type.Array(Type.Object({ channel: Str(32), count: Type.Integer({ minimum: 0 }), amount: Minor, refunded: Minor }), { maxItems: 20 }),
  })),
  verification: Type.Optional(Type.Object({ code: Str(32), url: Str(200), signaturePng: Nullable(Str(200_000)) })),
  qr: Type.Optional(Type.Object({ url: Str(512), title: Nullable(Str(100)), amount: Type.Optional(Type.Union([Minor, Type.Null()])) })),
});

/** Check data from outside; the first problem is named by its path (`/sale/tenders/0/amount`). */
export function parseReceiptData(input: unknown): ReceiptData {
  // A section left out and a section given as null mean the same; dropping nulls first keeps the
  // schema free of unions, whose errors could not name the field at fault.
  const value = input && typeof input === 'object' && !Array.isArray(input)
    ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null))
    : input;
  if (Value.Check(ReceiptDataSchema, value)) {
    const d = value as ReceiptData;
    try { new Intl.DateTimeFormat('en', { timeZone: d.merchant.timezone }); } catch {
      throw new SaomaError('invalid_request', `merchant.timezone "${d.merchant.timezone}" is not a time zone; use an IANA name such as Asia/Shanghai.`);
    }
    return d;
  }
  const first = [...Value.Errors(ReceiptDataSchema, value)][0];
  const where = first?.instancePath || '/';
  throw new SaomaError('invalid_request', `Receipt data at ${where}: ${first?.message ?? 'is not valid'}. See \`saoma receipt sample\` for the shape.`, { path: where });
}
