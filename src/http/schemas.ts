import { Type, type Static } from 'typebox';

/** Shared request/response schemas; they drive validation and the OpenAPI document at /docs. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable machine-readable code, e.g. invalid_amount' }),
    message: Type.String({ description: 'What went wrong and what to do next' }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
}, { $id: 'Error' });

const Id = Type.String({ minLength: 1, maxLength: 64 });
export const Amount = Type.Number({ description: 'Integer minor units (fen for CNY): 1250 means ¥12.50' });
export const CurrencyCode = Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217, e.g. CNY' });
export const TradeNo = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_\\-]+$', description: 'The terminal\'s own trade number; unique per merchant' });

export const IdParams = Type.Object({ id: Id });
export const MerchantParams = Type.Object({ merchantId: Id });

export const PaymentBody = Type.Object({
  outTradeNo: TradeNo,
  amount: Amount,
  currency: CurrencyCode,
  method: Type.Union([Type.Literal('dynamic_qr'), Type.Literal('payment_code'), Type.Literal('cash')]),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'sandbox, cash (alipay, wechat, unionpay, qq with their adapters); for payment_code it may be left out: the wallet is detected from the code' })),
  authCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Customer payment code as scanned (payment_code only); scanner framing is trimmed, and a code that fits no wallet is refused with the reason' })),
  saleId: Type.Optional(Id),
  terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Required for merchant API keys: the terminal the payment is taken on' })),
  description: Type.Optional(Type.String({ maxLength: 128 })),
  tendered: Type.Optional(Type.Number({ description: 'Cash handed over, in minor units; change is given back' })),
}, { additionalProperties: false });
export type PaymentBodyT = Static<typeof PaymentBody>;

export const SaleItemBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, description: 'As printed on the receipt' }),
  quantity: Type.Integer({ minimum: 1, maximum: 9999 }),
  unitPrice: Type.Integer({ minimum: 0, description: 'Minor units per piece' }),
}, { additionalProperties: false });

export const SaleBody = Type.Object({
  amount: Amount,
  currency: CurrencyCode,
  description: Type.Optional(Type.String({ maxLength: 128 })),
  items: Type.Optional(Type.Array(SaleItemBody, {
    minItems: 1, maxItems: 100,
    description: 'What was sold; sum(quantity × unitPrice) must equal amount, else 400 items_total_mismatch',
  })),
  terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });

export const SalesQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  before: Type.Optional(Type.String({ maxLength: 64, description: 'The `next` of the previous page (a sale id), or an ISO time' })),
  terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Merchant API keys: only this terminal\'s sales' })),
}, { additionalProperties: false });

export const ShiftOpenBody = Type.Object({
  openingFloat: Type.Number({ description: 'Cash counted into the drawer at opening, integer minor units ≥ 0' }),
  currency: Type.Optional(CurrencyCode),
}, { additionalProperties: false });

export const ShiftCloseBody = Type.Object({
  countedCash: Type.Number({ description: 'Cash counted in the drawer at closing, integer minor units ≥ 0' }),
}, { additionalProperties: false });

export const ShiftsQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  before: Type.Optional(Type.String({ maxLength: 64, description: 'The `next` of the previous page (a shift id)' })),
  terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Merchant API keys: only this terminal\'s shifts' })),
}, { additionalProperties: false });

export const RefundBody = Type.Object({
  amount: Amount,
  outRefundNo: Type.Optional(TradeNo),
  reason: Type.Optional(Type.String({ maxLength: 128 })),
}, { additionalProperties: false });

export const MerchantBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  currency: Type.Optional(CurrencyCode),
  webhookUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 512 })),
}, { additionalProperties: false });

export const WebhookBody = Type.Object({
  url: Type.Union([Type.String({ pattern: '^https?://', maxLength: 512 }), Type.Null()]),
  rotateSecret: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const NameBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export const TerminalBody = Type.Object({ storeId: Id, name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export const OperatorBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  role: Type.Union([Type.Literal('cashier'), Type.Literal('supervisor'), Type.Literal('manager')]),
  pin: Type.String({ pattern: '^[0-9]{4,8}$', description: '4 to 8 digits' }),
  storeId: Type.Optional(Id),
}, { additionalProperties: false });
export const LoginBody = Type.Object({ operatorId: Id, pin: Type.String({ minLength: 1, maxLength: 16 }) }, { additionalProperties: false });

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  state: Type.Optional(Type.String({ maxLength: 32 })),
  before: Type.Optional(Type.String({ maxLength: 40 })),
}, { additionalProperties: false });

export function limitOf(q: { limit?: string | undefined }): number {
  return Math.min(Math.max(Number(q.limit ?? 50) || 50, 1), 200);
}

export const ChannelParams = Type.Object({ merchantId: Id, channel: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_]+$' }) });
export const ChannelAccountBody = Type.Object({
  baseUrl: Type.Optional(Type.Union([Type.String({ pattern: '^https?://', maxLength: 512, description: 'The wallet\'s gateway; point it at an emulator or at the real wallet' }), Type.Null()])),
  credentials: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 8192 }), { description: 'Keys, certificates, merchant numbers; sealed at rest, never shown again' })),
  limitPerTransaction: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  limitPerDay: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export const StoreChannelsParams = Type.Object({ merchantId: Id, storeId: Id });
export const StoreChannelsBody = Type.Object({
  channels: Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_]+$' }), { maxItems: 32, description: 'Wallets offered at this store; empty = all of the merchant\'s' }),
}, { additionalProperties: false });
