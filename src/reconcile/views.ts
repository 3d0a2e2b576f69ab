import { Type, type Static } from 'typebox';
import type { ReconcileLineRow, ReconcileMismatchRow, ReconcileRunRow } from '../store/schema.ts';
import { MISMATCH_TYPES } from './judge.ts';
import type { RunSummary } from './types.ts';

/** What the API answers about runs, mismatches and lines: the TypeBox schemas (OpenAPI) and the row → view maps. */
const Int = Type.Integer();
const Side = Type.Object({ payments: Int, paymentAmount: Int, refunds: Int, refundAmount: Int });
export const SummarySchema = Type.Object({
  wallet: Type.Object({ payments: Int, paymentAmount: Int, refunds: Int, refundAmount: Int, fees: Int, lines: Int }, { description: 'The bill: counts and sums in minor units' }),
  saoma: Side,
  matched: Type.Integer({ description: 'Bill lines that agree with our books' }),
  open: Type.Record(Type.String(), Int, { description: 'Open mismatches of the day by type' }),
  openCount: Int,
  holding: Type.Integer({ description: 'Our trades near midnight waiting for the neighbouring day\'s bill' }),
  cleared: Int,
  currency: Type.String(),
});

export const RunView = Type.Object({
  id: Type.String(), merchantId: Type.String(), channel: Type.String(), day: Type.String({ description: 'The wallet\'s day (Beijing time for the Chinese wallets)' }),
  state: Type.Union([Type.Literal('new'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  source: Type.Union([Type.Literal('download'), Type.Literal('file')]), fileName: Type.Union([Type.String(), Type.Null()]),
  attempts: Int, error: Type.Union([Type.String(), Type.Null()]), summary: Type.Union([SummarySchema, Type.Null()]),
  startedAt: Type.Union([Type.String(), Type.Null()]), finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type RunViewT = Static<typeof RunView>;

const NullInt = Type.Union([Int, Type.Null()]);
export const Resolution = Type.Object({
  side: Type.String(), action: Type.String(), reason: Type.String(), evidence: Type.Union([Type.String(), Type.Null()]),
  actor: Type.Object({ kind: Type.String(), id: Type.Union([Type.String(), Type.Null()]), name: Type.Optional(Type.String()) }), at: Type.String(),
});
export const MismatchView = Type.Object({
  id: Type.String(), runId: Type.String(), channel: Type.String(), day: Type.String(),
  type: Type.Union(MISMATCH_TYPES.map((t) => Type.Literal(t))),
  direction: Type.Union([Type.Literal('long'), Type.Literal('short'), Type.Literal('none')], { description: 'long (长款): the wallet holds more than our books; short (短款): less' }),
  itemKind: Type.Union([Type.Literal('payment'), Type.Literal('refund')]), tradeNo: Type.String(), refundNo: Type.Union([Type.String(), Type.Null()]),
  paymentId: Type.Union([Type.String(), Type.Null()]), refundId: Type.Union([Type.String(), Type.Null()]), lineSeq: NullInt,
  walletAmount: NullInt, saomaAmount: NullInt, walletFee: NullInt, saomaFee: NullInt,
  delta: Type.Integer({ description: 'What the wallet holds beyond our books, minor units; held in suspense while open' }), currency: Type.String(),
  state: Type.Union([Type.Literal('open'), Type.Literal('holding'), Type.Literal('resolved'), Type.Literal('cleared')]),
  holdUntil: Type.Union([Type.String(), Type.Null()]), saomaState: Type.Union([Type.String(), Type.Null()]),
  resolution: Type.Union([Resolution, Type.Object({ by: Type.String(), at: Type.String() }), Type.Null()]),
  createdAt: Type.String(), updatedAt: Type.String(),
});
export type MismatchViewT = Static<typeof MismatchView>;

export const LineView = Type.Object({
  seq: Int, kind: Type.String(), tradeNo: Type.String(), refundNo: Type.Union([Type.String(), Type.Null()]), channelTradeNo: Type.Union([Type.String(), Type.Null()]),
  amount: Int, fee: Int, currency: Type.String(), at: Type.String(),
  mismatches: Type.Array(Type.String(), { description: 'Types of the mismatches found on this line; empty when it matched' }),
});
export type LineViewT = Static<typeof LineView>;

export function runView(r: ReconcileRunRow): RunViewT {
  return {
    id: r.id, merchantId: r.merchant_id, channel: r.channel, day: r.day, state: r.state as RunViewT['state'], source: r.source as RunViewT['source'],
    fileName: r.file_name, attempts: r.attempts, error: r.error, summary: r.summary ? (JSON.parse(r.summary) as RunSummary) : null,
    startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

export function mismatchView(m: ReconcileMismatchRow): MismatchViewT {
  const delta = Number(m.delta);
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: m.id, runId: m.run_id, channel: m.channel, day: m.day, type: m.type as MismatchViewT['type'], direction: delta > 0 ? 'long' : delta < 0 ? 'short' : 'none',
    itemKind: m.item_kind as 'payment' | 'refund', tradeNo: m.trade_no, refundNo: m.refund_no, paymentId: m.payment_id, refundId: m.refund_id, lineSeq: n(m.line_seq),
    walletAmount: n(m.wallet_amount), saomaAmount: n(m.saoma_amount), walletFee: n(m.wallet_fee), saomaFee: n(m.saoma_fee), delta, currency: m.currency,
    state: m.state as MismatchViewT['state'], holdUntil: m.hold_until, saomaState: m.saoma_state, resolution: m.resolution ? JSON.parse(m.resolution) : null,
    createdAt: m.created_at, updatedAt: m.updated_at,
  };
}

export function lineView(l: ReconcileLineRow, types: string[]): LineViewT {
  return {
    seq: Number(l.seq), kind: l.kind, tradeNo: l.trade_no, refundNo: l.refund_no, channelTradeNo: l.channel_trade_no, amount: Number(l.amount),
    fee: Number(l.fee), currency: l.currency, at: l.at, mismatches: types,
  };
}
