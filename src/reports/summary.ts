import { Type, type Static } from 'typebox';
import { SaomaError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import { localDay } from '../receipts/report-data.ts';
import { feeAt } from '../reconcile/judge.ts';
import { DEFAULT_SETTINGS } from '../reconcile/settings.ts';

/**
 * The takings of a day, week or month in the merchant's time zone, from the books (succeeded payments
 * and refunds): per hour or per day, per wallet, store and terminal, refunds, fees at the wallets'
 * rates, the average ticket, cash against wallets. The console's charts and the CSV export both read
 * this one object, so a chart and its export can never disagree.
 */
export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = typeof PERIODS[number];

const Int = Type.Integer();
const Bucket = Type.Object({ key: Type.String({ description: 'Hour 00–23 (day) or YYYY-MM-DD (week, month)' }), count: Int, amount: Int, refunds: Int });
const Group = Type.Object({ key: Type.String(), name: Type.String(), count: Int, amount: Int, refunds: Int, fees: Int });
export const ReportSummary = Type.Object({
  period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]), date: Type.String(), from: Type.String(), to: Type.String(), timezone: Type.String(), currency: Type.String(),
  totals: Type.Object({
    count: Type.Integer({ description: 'Payments taken' }), gross: Type.Integer({ description: 'Minor units taken' }), refundCount: Int, refunds: Int,
    net: Int, fees: Type.Integer({ description: 'Wallet fees at the wallets\' rates (cash has none)' }), averageTicket: Type.Integer({ description: 'gross ÷ count, rounded down' }),
    cash: Int, wallets: Int,
  }),
  buckets: Type.Array(Bucket), byChannel: Type.Array(Group), byStore: Type.Array(Group), byTerminal: Type.Array(Group),
});
export type ReportSummaryT = Static<typeof ReportSummary>;

function range(period: Period, date: string, tz: string): { from: string; to: string; days: string[] } {
  const d = new Date(`${date}T12:00:00Z`);
  let start = date;
  let n = 1;
  if (period === 'week') {
    const dow = (d.getUTCDay() + 6) % 7;
    start = new Date(d.getTime() - dow * 86_400_000).toISOString().slice(0, 10);
    n = 7;
  } else if (period === 'month') {
    start = `${date.slice(0, 7)}-01`;
    const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    n = Math.round((next.getTime() - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);
  }
  const days = Array.from({ length: n }, (_, i) => new Date(Date.parse(`${start}T12:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
  return { from: localDay(days[0]!, tz).from, to: localDay(days[n - 1]!, tz).to, days };
}

export async function salesSummary(store: Store, merchantId: string, q: { period: Period; date: string; storeId?: string | undefined }): Promise<ReportSummaryT> {
  const m = await store.db.selectFrom('merchants').select(['timezone', 'currency']).where('id', '=', merchantId).executeTakeFirst();
  if (!m) throw new SaomaError('not_found', `No merchant ${merchantId}.`);
  const { from, to, days } = range(q.period, q.date, m.timezone);
  const pays = await store.db.selectFrom('payments').select(['channel', 'store_id', 'terminal_id', 'amount', 'created_at'])
    .where('merchant_id', '=', merchantId).where('state', '=', 'succeeded').where('currency', '=', m.currency)
    .where('created_at', '>=', from).where('created_at', '<', to).$if(!!q.storeId, (x) => x.where('store_id', '=', q.storeId!)).execute();
  const refunds = await store.db.selectFrom('refunds as r').innerJoin('payments as p', 'p.id', 'r.payment_id')
    .select(['p.channel', 'p.store_id', 'p.terminal_id', 'r.amount', 'r.updated_at as at'])
    .where('r.merchant_id', '=', merchantId).where('r.state', '=', 'succeeded').where('r.currency', '=', m.currency)
    .where('r.updated_at', '>=', from).where('r.updated_at', '<', to).$if(!!q.storeId, (x) => x.where('p.store_id', '=', q.storeId!)).execute();
  const stores = new Map((await store.db.selectFrom('stores').select(['id', 'name']).where('merchant_id', '=', merchantId).execute()).map((s) => [s.id, s.name]));
  const terminals = new Map((await store.db.selectFrom('terminals').select(['id', 'name']).where('merchant_id', '=', merchantId).execute()).map((t) => [t.id, t.name]));
  const local = new Intl.DateTimeFormat('en-CA', { timeZone: m.timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
  const keyOf = (iso: string) => {
    const parts = Object.fromEntries(local.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return q.period === 'day' ? parts.hour! : `${parts.year}-${parts.month}-${parts.day}`;
  };
  const fee = (channel: string, amount: number) => (channel === 'cash' ? 0 : feeAt(amount, DEFAULT_SETTINGS.feeBps[channel] ?? 0));
  const buckets = new Map((q.period === 'day' ? Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')) : days).map((k) => [k, { key: k, count: 0, amount: 0, refunds: 0 }]));
  const groups = { channel: new Map<string, Static<typeof Group>>(), store: new Map<string, Static<typeof Group>>(), terminal: new Map<string, Static<typeof Group>>() };
  const group = (kind: keyof typeof groups, key: string, name: string) => {
    let g = groups[kind].get(key);
    if (!g) groups[kind].set(key, g = { key, name, count: 0, amount: 0, refunds: 0, fees: 0 });
    return g;
  };
  const t = { count: 0, gross: 0, refundCount: 0, refunds: 0, net: 0, fees: 0, averageTicket: 0, cash: 0, wallets: 0 };
  for (const p of pays) {
    const amount = Number(p.amount);
    const f = fee(p.channel, amount);
    t.count++; t.gross += amount; t.fees += f;
    if (p.channel === 'cash') t.cash += amount; else t.wallets += amount;
    const b = buckets.get(keyOf(p.created_at));
    if (b) { b.count++; b.amount += amount; }
    for (const [kind, key, name] of [['channel', p.channel, p.channel], ['store', p.store_id, stores.get(p.store_id) ?? p.store_id], ['terminal', p.terminal_id, terminals.get(p.terminal_id) ?? p.terminal_id]] as const) {
      const g = group(kind, key, name);
      g.count++; g.amount += amount; g.fees += f;
    }
  }
  for (const r of refunds) {
    const amount = Number(r.amount);
    const f = fee(r.channel, amount);
    t.refundCount++; t.refunds += amount; t.fees -= f;
    if (r.channel === 'cash') t.cash -= amount; else t.wallets -= amount;
    const b = buckets.get(keyOf(r.at));
    if (b) b.refunds += amount;
    for (const [kind, key, name] of [['channel', r.channel, r.channel], ['store', r.store_id, stores.get(r.store_id) ?? r.store_id], ['terminal', r.terminal_id, terminals.get(r.terminal_id) ?? r.terminal_id]] as const) {
      const g = group(kind, key, name);
      g.refunds += amount; g.fees -= f;
    }
  }
  t.net = t.gross - t.refunds;
  t.averageTicket = t.count ? Math.floor(t.gross / t.count) : 0;
  const sorted = (g: Map<string, Static<typeof Group>>) => [...g.values()].sort((a, b) => b.amount - a.amount || a.key.localeCompare(b.key));
  return {
    period: q.period, date: q.date, from, to, timezone: m.timezone, currency: m.currency, totals: t, buckets: [...buckets.values()],
    byChannel: sorted(groups.channel), byStore: sorted(groups.store), byTerminal: sorted(groups.terminal),
  };
}
