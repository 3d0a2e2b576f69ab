import { useEffect, useState } from 'preact/hooks';
import './reports.css';
import { api, send, qs } from '../../api.ts';
import { errText, type Ctx } from '../../ctx.ts';
import { money } from '../../format.ts';
import { BarChart } from './chart.tsx';
import { WALLET_NAMES, reportsDict } from './dict.ts';

export interface Group { key: string; name: string; count: number; amount: number; refunds: number; fees: number }
export interface Summary {
  period: 'day' | 'week' | 'month'; date: string; from: string; to: string; currency: string;
  totals: { count: number; gross: number; refundCount: number; refunds: number; net: number; fees: number; averageTicket: number; cash: number; wallets: number };
  buckets: Array<{ key: string; count: number; amount: number; refunds: number }>; byChannel: Group[]; byStore: Group[]; byTerminal: Group[];
}

/** Today in the merchant's time zone, `YYYY-MM-DD`. */
export function localToday(tz: string, offsetDays = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + offsetDays * 86_400_000));
}

export function useSummary(period: string, date: string, storeId: string) {
  const [data, setData] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setData(null);
    api<Summary>('GET', `/v1/reports/summary${qs({ period, date, storeId })}`).then(setData, (e) => setError(errText(e)));
  }, [period, date, storeId]);
  return { data, error };
}

/** Downloads the CSV of the same report through a signed request. */
async function download(path: string, name: string) {
  const blob = await (await send('GET', path)).blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

function Kpis({ ctx, s, id }: { ctx: Ctx; s: Summary; id: string }) {
  const t = reportsDict(ctx.lang);
  const m = (v: number) => money(ctx.lang, v, s.currency);
  const items: Array<[string, string, string]> = [
    ['gross', t('taken'), m(s.totals.gross)], ['count', t('payments'), String(s.totals.count)], ['refunds', t('refunds'), m(s.totals.refunds)],
    ['net', t('net'), m(s.totals.net)], ['avg', t('avgTicket'), m(s.totals.averageTicket)], ['fees', t('fees'), m(s.totals.fees)],
  ];
  return <dl class="kpis" id={id}>{items.map(([k, label, v]) => <div key={k} data-kpi={k}><dt>{label}</dt><dd>{v}</dd></div>)}</dl>;
}

function GroupTable({ ctx, title, groups, id, currency }: { ctx: Ctx; title: string; groups: Group[]; id: string; currency: string }) {
  const t = reportsDict(ctx.lang);
  const name = (g: Group) => (id.endsWith('channel') ? WALLET_NAMES[g.key]?.[ctx.lang] ?? g.name : g.name);
  return (
    <section class="card report-group">
      <h3>{title}</h3>
      <BarChart id={`chart-${id}`} label={t('chartOf', { what: title })} categories={groups.map(name)} values={groups.map((g) => g.amount)} height={160} />
      <table class="list" id={`table-${id}`}>
        <thead><tr><th>{t('name')}</th><th>{t('count')}</th><th>{t('amount')}</th><th>{t('refunds')}</th><th>{t('fees')}</th></tr></thead>
        <tbody>{groups.map((g) => <tr key={g.key} data-key={g.key}><td>{name(g)}</td><td>{g.count}</td><td data-minor={g.amount}>{money(ctx.lang, g.amount, currency)}</td><td>{money(ctx.lang, g.refunds, currency)}</td><td>{money(ctx.lang, g.fees, currency)}</td></tr>)}</tbody>
      </table>
    </section>
  );
}

/** One period's report: the headline numbers, takings over time, and the breakdowns. */
export function Report({ ctx, period, date, storeId, prefix }: { ctx: Ctx; period: string; date: string; storeId: string; prefix: string }) {
  const t = reportsDict(ctx.lang);
  const { data: s, error } = useSummary(period, date, storeId);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!s) return <p class="hint">{t('loading')}</p>;
  const timeTitle = period === 'day' ? t('perHour') : t('perDay');
  const cats = s.buckets.map((b) => (period === 'day' ? b.key : b.key.slice(5)));
  return (
    <div class="report" id={`${prefix}-report`} data-date={s.date}>
      <Kpis ctx={ctx} s={s} id={`${prefix}-kpis`} />
      <section class="card">
        <h3>{timeTitle}</h3>
        <BarChart id={`${prefix}-chart-time`} label={t('chartOf', { what: timeTitle })} categories={cats} values={s.buckets.map((b) => b.amount)} />
        <div class="sr-only"><table class="list" id={`${prefix}-table-time`}>
          <thead><tr><th>{t('time')}</th><th>{t('count')}</th><th>{t('amount')}</th></tr></thead>
          <tbody>{s.buckets.filter((b) => b.count > 0).map((b) => <tr key={b.key}><td>{b.key}</td><td>{b.count}</td><td data-minor={b.amount}>{money(ctx.lang, b.amount, s.currency)}</td></tr>)}</tbody>
        </table></div>
      </section>
      {s.totals.count === 0 ? <p class="hint">{t('none')}</p> : null}
      <section class="card" id={`${prefix}-cash-vs-wallets`}>
        <h3>{t('cashVsWallets')}</h3>
        <BarChart id={`${prefix}-chart-cash`} label={t('cashVsWallets')} categories={[t('cash'), t('wallets')]} values={[s.totals.cash, s.totals.wallets]} height={120} color="#3c6fb6" />
      </section>
      <div class="report-groups">
        <GroupTable ctx={ctx} title={t('perWallet')} groups={s.byChannel} id={`${prefix}-channel`} currency={s.currency} />
        <GroupTable ctx={ctx} title={t('perStore')} groups={s.byStore} id={`${prefix}-store`} currency={s.currency} />
        <GroupTable ctx={ctx} title={t('perTerminal')} groups={s.byTerminal} id={`${prefix}-terminal`} currency={s.currency} />
      </div>
    </div>
  );
}

/** Takings in charts: today and yesterday at a glance, or a week or month. */
export function Overview({ ctx }: { ctx: Ctx }) {
  const t = reportsDict(ctx.lang);
  const tz = ctx.merchant.timezone;
  const [period, setPeriod] = useState<'day' | 'week' | 'month'>('day');
  const [date, setDate] = useState(localToday(tz));
  const [storeId, setStoreId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const csv = (encoding: string) => download(`/v1/reports/summary.csv${qs({ period, date, storeId, encoding, lang: ctx.lang })}`, `saoma-${period}-${date}.csv`).catch((e) => setError(errText(e)));
  return (
    <div class="reports">
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <span role="group" class="seg">
          {(['day', 'week', 'month'] as const).map((p) => <button type="button" key={p} id={`period-${p}`} class={p === period ? 'on' : ''} onClick={() => setPeriod(p)}>{t(p)}</button>)}
        </span>
        <label>{t('date')} <input type="date" id="report-date" value={date} onInput={(e) => setDate(e.currentTarget.value || localToday(tz))} /></label>
        <label>{t('store')} <select id="report-store" value={storeId} onChange={(e) => setStoreId(e.currentTarget.value)}>
          <option value="">{t('allStores')}</option>{ctx.stores.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select></label>
        <button type="button" id="export-csv" onClick={() => void csv('utf8')}>{t('exportCsv')}</button>
        <button type="button" id="export-gbk" class="link" onClick={() => void csv('gb18030')}>{t('exportGbk')}</button>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {period === 'day' && date === localToday(tz) ? (
        <div class="two-days">
          <section><h2>{t('today')}</h2><Report ctx={ctx} period="day" date={date} storeId={storeId} prefix="today" /></section>
          <section><h2>{t('yesterday')}</h2><Report ctx={ctx} period="day" date={localToday(tz, -1)} storeId={storeId} prefix="yesterday" /></section>
        </div>
      ) : <Report ctx={ctx} period={period} date={date} storeId={storeId} prefix="period" />}
    </div>
  );
}
