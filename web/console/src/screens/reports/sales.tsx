import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../../api.ts';
import { errText, type Ctx } from '../../ctx.ts';
import { dateTime, money } from '../../format.ts';
import { WALLET_NAMES, reportsDict } from './dict.ts';

interface Payment { id: string; outTradeNo: string; channel: string; amount: number; currency: string; state: string; createdAt: string; description: string | null; refunded?: number }

/** Sales: every payment newest first (the counter's tenders and the stands'), a page at a time. */
export function Sales({ ctx }: { ctx: Ctx }) {
  const t = reportsDict(ctx.lang);
  const [rows, setRows] = useState<Payment[]>([]);
  const [before, setBefore] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function more() {
    try {
      const r = await api<{ data: Payment[] }>('GET', `/v1/payments${qs({ limit: 50, before })}`);
      setRows((x) => [...x, ...r.data]);
      setDone(r.data.length < 50);
      if (r.data.length) setBefore(r.data[r.data.length - 1]!.createdAt);
    } catch (e) { setError(errText(e)); }
  }
  useEffect(() => { void more(); }, []);
  return (
    <div>
      {error ? <p role="alert" class="error">{error}</p> : null}
      <table class="list" id="sales-table">
        <thead><tr><th>{t('time')}</th><th>{t('wallet')}</th><th>{t('amount')}</th><th>{t('refunds')}</th><th>{t('state')}</th><th>{t('description')}</th></tr></thead>
        <tbody>{rows.map((p) => (
          <tr key={p.id} data-id={p.id}><td>{dateTime(ctx.lang, p.createdAt, ctx.merchant.timezone)}</td><td>{WALLET_NAMES[p.channel]?.[ctx.lang] ?? p.channel}</td>
            <td>{money(ctx.lang, p.amount, p.currency)}</td><td>{p.refunded ? money(ctx.lang, p.refunded, p.currency) : ''}</td><td>{p.state}</td><td>{p.description ?? p.outTradeNo}</td></tr>
        ))}</tbody>
      </table>
      {done ? null : <button type="button" id="sales-more" onClick={() => void more()}>{t('more')}</button>}
    </div>
  );
}
