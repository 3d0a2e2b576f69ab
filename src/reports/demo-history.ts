import { assertBalanced, paymentEntry, refundEntry, type JournalEntry } from '../core/ledger.ts';
import type { Currency } from '../core/money.ts';
import type { Runtime } from '../runtime.ts';
import type { Tx } from '../store/db.ts';
import type { RefundRow } from '../store/schema.ts';
import type { HistoryLine } from '../channels/emulator-bill.ts';
import { feeAt } from '../reconcile/judge.ts';
import { DEFAULT_SETTINGS, addDays, walletDate, walletDay } from '../reconcile/settings.ts';

/**
 * The demo stall's past: about 90 days of night-market takings (more on weekends, the evening rush,
 * WeChat and Alipay ahead of cash, a refund now and then), booked as the payment core books a payment
 * (succeeded row + payment journal; refund row + refund journal), so reports, the fee advisor and the
 * ledger check see consistent books. The sandbox wallets get the same trades for the last days, with
 * one planted difference of each kind on yesterday's bills, so a newcomer's first reconciliation shows
 * what each mismatch looks like. Seeded once (the trades are marked DEMO-).
 */
const DAYS = 90;
const CHANNELS: Array<[string, number]> = [['wechat', 45], ['alipay', 33], ['cash', 13], ['unionpay', 6], ['qq', 3]];
const MENU = [3500, 4000, 5500, 6000, 6500, 7000, 8000, 9000, 12000, 15000, 4500, 5000];

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
}

interface Trade { id: string; tradeNo: string; channel: string; storeId: string; terminalId: string; amount: number; at: string; refund: number }

export async function seedDemoHistory(rt: Runtime, demo: { merchantId: string; storeId: string; terminalId: string }): Promise<void> {
  const db = rt.store.db;
  if (await db.selectFrom('payments').select('id').where('merchant_id', '=', demo.merchantId).where('out_trade_no', 'like', 'DEMO-%').limit(1).executeTakeFirst()) return;
  // A second stall, so the per-store and per-terminal charts have something to compare.
  const stall2 = await rt.merchants.createStore(demo.merchantId, '饶河夜市 Raohe stall 2');
  const counter2 = await rt.merchants.createTerminal(demo.merchantId, stall2.id, 'Counter 2');
  const places = [{ storeId: demo.storeId, terminalId: demo.terminalId, weight: 0.65 }, { storeId: stall2.id, terminalId: counter2.id, weight: 0.35 }];
  const rand = rng(20261208);
  const now = Date.now();
  const today = walletDate('alipay', new Date());
  const trades: Trade[] = [];
  for (let back = DAYS; back >= 0; back--) {
    const day = addDays(today, -back);
    const start = Date.parse(walletDay('alipay', day).from);
    const dow = new Date(`${day}T12:00:00Z`).getUTCDay();
    const n = Math.round((dow === 5 || dow === 6 ? 150 : dow === 0 ? 130 : 95) * (0.85 + rand() * 0.3));
    for (let i = 0; i < n; i++) {
      // Night market: a small lunch, then 17:00–23:30 with the rush around 19–21.
      const evening = rand() < 0.88;
      const hour = evening ? 17 + Math.min(6.4, Math.abs((rand() + rand() + rand()) / 3 - 0.35) * 9) : 11 + rand() * 2.5;
      const at = start + Math.floor(hour * 3_600_000);
      if (at > now - 60_000) continue;
      let pick = rand() * 100;
      const channel = CHANNELS.find(([, w]) => (pick -= w) < 0)?.[0] ?? 'wechat';
      const items = 1 + Math.floor(rand() * 3);
      let amount = 0;
      for (let k = 0; k < items; k++) amount += MENU[Math.floor(rand() * MENU.length)]!;
      const place = rand() < places[0]!.weight ? places[0]! : places[1]!;
      const seq = String(trades.length + 1).padStart(6, '0');
      trades.push({ id: `pay_demo${seq}`, tradeNo: `DEMO-${day.replace(/-/g, '')}-${seq}`, channel, ...place, amount, at: new Date(at).toISOString(), refund: rand() < 0.012 ? amount : 0 });
    }
  }
  // Yesterday's planted differences need a few trades of their own.
  const y = addDays(today, -1);
  const yStart = Date.parse(walletDay('alipay', y).from);
  const planted = {
    lateClosed: { id: 'pay_demoLATE', tradeNo: `DEMO-${y.replace(/-/g, '')}-LATE`, channel: 'unionpay', ...places[0]!, amount: 4500, at: new Date(yStart + 20.5 * 3_600_000).toISOString(), refund: 0 },
    midnight: { id: 'pay_demoMIDN', tradeNo: `DEMO-${y.replace(/-/g, '')}-MIDN`, channel: 'wechat', ...places[0]!, amount: 6000, at: new Date(yStart + 86_400_000 - 90_000).toISOString(), refund: 0 },
  };
  trades.push(planted.midnight);
  const byDay = new Map<string, Trade[]>();
  for (const t of trades) byDay.set(t.at.slice(0, 10), [...(byDay.get(t.at.slice(0, 10)) ?? []), t]);
  // A week per transaction, each table in one multi-row insert: seconds, not minutes, on PostgreSQL too.
  const weeks: Trade[][] = [];
  for (const list of byDay.values()) {
    if (weeks.length === 0 || weeks[weeks.length - 1]!.length > 700) weeks.push([]);
    weeks[weeks.length - 1]!.push(...list);
  }
  for (const list of weeks) await rt.store.write((tx) => book(tx, demo.merchantId, list));
  // A refund our books call failed that the wallet made all the same (a status difference).
  const yEnd = walletDay('alipay', addDays(today, -1));
  const failedRefundOf = trades.find((t) => t.channel === 'qq' && t.at >= yEnd.from && t.at < yEnd.to && t.refund === 0);
  await rt.store.write(async (tx) => {
    await tx.insertInto('payments').values(paymentRow(demo.merchantId, planted.lateClosed, 'closed')).execute();
    if (failedRefundOf) {
      const at = new Date(Date.parse(failedRefundOf.at) + 900_000).toISOString();
      await tx.insertInto('refunds').values({
        id: 'rfd_demoFAIL', payment_id: failedRefundOf.id, merchant_id: demo.merchantId, out_refund_no: `RF${failedRefundOf.tradeNo}`, amount: 1000, currency: 'CNY',
        state: 'failed', reason: '少找零', channel_refund_no: null, failure_message: 'SYSTEMERROR: timed out', attempts: 3, next_poll_at: null, created_at: at, updated_at: at,
        operator_id: null, operator_name: null,
      }).execute();
    }
  });
  if (rt.walletEmulators) await seedWallets(rt, trades, planted, today);
}

function paymentRow(merchantId: string, t: Trade, state: string) {
  const method = t.channel === 'cash' ? 'cash' : t.amount % 3 === 0 ? 'payment_code' : 'dynamic_qr';
  return {
    id: t.id, merchant_id: merchantId, store_id: t.storeId, terminal_id: t.terminalId, sale_id: null, out_trade_no: t.tradeNo, channel: t.channel, method,
    amount: t.amount, currency: 'CNY', state, channel_trade_no: t.channel === 'cash' ? null : `DEMO${t.id.slice(8)}`, auth_code: null, qr_code: null, expires_at: null,
    refunded: 0, tendered: t.channel === 'cash' ? t.amount : null, change: t.channel === 'cash' ? 0 : null, failure_code: null, failure_message: null,
    description: '夜市小吃', attempts: 1, next_poll_at: null, lease_until: null, reverse_after: null, created_at: t.at, updated_at: t.at, final_at: t.at,
  };
}

/** Trades booked as the payment core books them: the succeeded row and its payment entry; a refund row and its refund entry. */
async function book(tx: Tx, merchantId: string, list: Trade[]): Promise<void> {
  const journals: Array<{ id: string; merchant_id: string; kind: string; ref: string; created_at: string }> = [];
  const postings: Array<{ journal_id: string; merchant_id: string; account: string; amount: number; currency: string; created_at: string }> = [];
  const refunds: RefundRow[] = [];
  const entry = (e: JournalEntry, at: string) => {
    assertBalanced(e);
    const id = `jnl_${e.kind}_${e.ref}`;
    journals.push({ id, merchant_id: merchantId, kind: e.kind, ref: e.ref, created_at: at });
    for (const p of e.postings) postings.push({ journal_id: id, merchant_id: merchantId, account: p.account, amount: p.amount, currency: p.currency, created_at: at });
  };
  for (const t of list) {
    const money = { merchantId, terminalId: t.terminalId, channel: t.channel, currency: 'CNY' as Currency };
    entry(paymentEntry({ id: t.id, amount: t.amount, ...money }), t.at);
    if (t.refund > 0) {
      const at = new Date(Date.parse(t.at) + 600_000).toISOString();
      const id = `rfd_demo${t.id.slice(8)}`;
      refunds.push({
        id, payment_id: t.id, merchant_id: merchantId, out_refund_no: `R${t.tradeNo}`, amount: t.refund, currency: 'CNY', state: 'succeeded', reason: '顾客退单',
        channel_refund_no: t.channel === 'cash' ? null : `DEMOR${t.id.slice(8)}`, failure_message: null, attempts: 1, next_poll_at: null, created_at: at, updated_at: at,
        operator_id: null, operator_name: null,
      });
      entry(refundEntry('refund', { id, amount: t.refund, ...money }), at);
    }
  }
  const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
  for (const c of chunks(list.map((t) => ({ ...paymentRow(merchantId, t, 'succeeded'), refunded: t.refund })), 400)) await tx.insertInto('payments').values(c).execute();
  for (const c of chunks(refunds, 400)) await tx.insertInto('refunds').values(c).execute();
  for (const c of chunks(journals, 1000)) await tx.insertInto('journals').values(c).execute();
  for (const c of chunks(postings, 1000)) await tx.insertInto('postings').values(c).execute();
}

/** The wallets' side of the last three days and today: the same trades, then yesterday's planted differences. */
async function seedWallets(rt: Runtime, trades: Trade[], planted: Record<'lateClosed' | 'midnight', Trade>, today: string): Promise<void> {
  const w = rt.walletEmulators!;
  const acc = w.accounts();
  const account: Record<string, string> = { alipay: acc.alipay.credentials!.appId!, wechat: acc.wechat.credentials!.mchId!, unionpay: acc.unionpay.credentials!.merId!, qq: acc.qq.credentials!.mchId! };
  const since = walletDay('alipay', addDays(today, -3)).from;
  const y = addDays(today, -1);
  const yFrom = walletDay('alipay', y).from;
  const yTo = walletDay('alipay', y).to;
  const lines: Record<string, HistoryLine[]> = { alipay: [], wechat: [], unionpay: [], qq: [] };
  const fee = (channel: string, fen: number) => feeAt(fen, DEFAULT_SETTINGS.feeBps[channel]!);
  const firstOf = (channel: string) => trades.find((t) => t.channel === channel && t.at >= yFrom && t.at < yTo && t.refund === 0 && t !== planted.midnight)!;
  const missing = firstOf('alipay');
  const wrongFee = trades.filter((t) => t.channel === 'alipay' && t.at >= yFrom && t.at < yTo && t.refund === 0)[1]!;
  const wrongAmount = firstOf('wechat');
  for (const t of trades) {
    if (t.channel === 'cash' || t.at < since || t === missing) continue;
    const l: HistoryLine = { kind: 'payment', outTradeNo: t.tradeNo, channelTradeNo: `DEMO${t.id.slice(8)}`, amount: t.amount, fee: fee(t.channel, t.amount), at: t.at, subject: '夜市小吃' };
    if (t === wrongAmount) l.amount += 100;
    if (t === wrongFee) l.fee += 5;
    if (t === planted.midnight) l.at = new Date(Date.parse(yTo) + 7_000).toISOString();
    lines[t.channel]!.push(l);
    if (t.refund > 0) lines[t.channel]!.push({ kind: 'refund', outTradeNo: t.tradeNo, outRefundNo: `R${t.tradeNo}`, channelTradeNo: l.channelTradeNo, amount: t.refund, fee: -fee(t.channel, t.refund), at: new Date(Date.parse(t.at) + 600_000).toISOString() });
  }
  // Paid at the wallet, closed in our books (a late payment); and a trade nobody here made.
  const late = planted.lateClosed;
  lines.unionpay!.push({ kind: 'payment', outTradeNo: late.tradeNo, channelTradeNo: 'DEMOLATE', amount: late.amount, fee: fee('unionpay', late.amount), at: new Date(Date.parse(late.at) + 240_000).toISOString() });
  lines.wechat!.push({ kind: 'payment', outTradeNo: `OTHER-${y.replace(/-/g, '')}-0042`, channelTradeNo: '4200000042DEMO', amount: 2800, fee: fee('wechat', 2800), at: new Date(Date.parse(yFrom) + 19 * 3_600_000).toISOString() });
  const qq = trades.find((t) => t.channel === 'qq' && t.at >= yFrom && t.at < yTo && t.refund === 0);
  if (qq) lines.qq!.push({ kind: 'refund', outTradeNo: qq.tradeNo, outRefundNo: `RF${qq.tradeNo}`, channelTradeNo: `DEMO${qq.id.slice(8)}`, amount: 1000, fee: -fee('qq', 1000), at: new Date(Date.parse(qq.at) + 900_000).toISOString() });
  for (const [wallet, ls] of Object.entries(lines)) w[wallet as 'alipay'].history.add(account[wallet]!, ls);
}
