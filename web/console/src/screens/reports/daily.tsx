import { useState } from 'preact/hooks';
import type { Ctx } from '../../ctx.ts';
import { money } from '../../format.ts';
import { WALLET_NAMES, reportsDict } from './dict.ts';
import { localToday, useSummary } from './overview.tsx';

/** The daily report (日结) of a store or of all of them: per wallet taken, refunded and net, with the totals. */
export function Daily({ ctx }: { ctx: Ctx }) {
  const t = reportsDict(ctx.lang);
  const [date, setDate] = useState(localToday(ctx.merchant.timezone, -1));
  const [storeId, setStoreId] = useState('');
  const { data: s, error } = useSummary('day', date, storeId);
  const m = (v: number) => money(ctx.lang, v, s?.currency ?? 'CNY');
  return (
    <div class="daily">
      <h2>{t('dailyTitle')}</h2>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label>{t('date')} <input type="date" id="daily-date" value={date} onInput={(e) => setDate(e.currentTarget.value || date)} /></label>
        <label>{t('store')} <select id="daily-store" value={storeId} onChange={(e) => setStoreId(e.currentTarget.value)}>
          <option value="">{t('allStores')}</option>{ctx.stores.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
        </select></label>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : !s ? <p class="hint">{t('loading')}</p> : (
        <table class="list" id="daily-table">
          <thead><tr><th>{t('wallet')}</th><th>{t('count')}</th><th>{t('taken')}</th><th>{t('refunds')}</th><th>{t('net')}</th><th>{t('fees')}</th></tr></thead>
          <tbody>
            {s.byChannel.map((g) => <tr key={g.key} data-key={g.key}><td>{WALLET_NAMES[g.key]?.[ctx.lang] ?? g.key}</td><td>{g.count}</td><td>{m(g.amount)}</td><td>{m(g.refunds)}</td><td>{m(g.amount - g.refunds)}</td><td>{m(g.fees)}</td></tr>)}
            <tr class="total" id="daily-total"><th>{t('total')}</th><th>{s.totals.count}</th><th data-minor={s.totals.gross}>{m(s.totals.gross)}</th><th>{m(s.totals.refunds)}</th><th data-minor={s.totals.net}>{m(s.totals.net)}</th><th>{m(s.totals.fees)}</th></tr>
          </tbody>
        </table>
      )}
    </div>
  );
}
