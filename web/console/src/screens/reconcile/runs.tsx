import { useEffect, useState } from 'preact/hooks';
import { api, send, qs } from '../../api.ts';
import { errText, type Ctx } from '../../ctx.ts';
import { money } from '../../format.ts';
import { WALLET_NAMES } from '../reports/dict.ts';
import { localToday } from '../reports/overview.tsx';
import { reconDict } from './dict.ts';

interface Side { payments: number; paymentAmount: number; refunds: number; refundAmount: number }
export interface Run {
  id: string; channel: string; day: string; state: string; source: string; error: string | null;
  summary: { wallet: Side & { fees: number; lines: number }; saoma: Side; matched: number; open: Record<string, number>; openCount: number; holding: number; currency: string } | null;
}
export interface Mismatch {
  id: string; channel: string; day: string; type: string; direction: string; itemKind: string; tradeNo: string; refundNo: string | null;
  walletAmount: number | null; saomaAmount: number | null; walletFee: number | null; saomaFee: number | null; delta: number; currency: string; state: string;
}
const WALLETS = ['alipay', 'wechat', 'unionpay', 'qq'];

/** Reconciliation runs: run a day now, see both sides' totals, export the result for the bookkeeper. */
export function Runs({ ctx }: { ctx: Ctx }) {
  const t = reconDict(ctx.lang);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [date, setDate] = useState(localToday(ctx.merchant.timezone, -1));
  const [channel, setChannel] = useState('alipay');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = () => api<{ data: Run[] }>('GET', '/v1/reconciliations').then((r) => setRuns(r.data), (e) => setError(errText(e)));
  useEffect(() => { void load(); }, []);
  async function run(e: Event) {
    e.preventDefault();
    setBusy(true); setError(null);
    try { await api('POST', '/v1/reconciliations', { channel, date }); await load(); } catch (err) { setError(errText(err)); } finally { setBusy(false); }
  }
  async function exportRun(r: Run) {
    const blob = await (await send('GET', `/v1/reconciliations/${r.id}/export${qs({ lang: ctx.lang })}`)).blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob); a.download = `reconciliation-${r.channel}-${r.day}.csv`; a.click();
  }
  const m = (v: number, c = 'CNY') => money(ctx.lang, v, c);
  return (
    <div>
      <form class="toolbar" id="reconcile-form" onSubmit={run}>
        <label>{t('date')} <input type="date" id="reconcile-date" value={date} onInput={(e) => setDate(e.currentTarget.value || date)} /></label>
        <label>{t('wallet')} <select id="reconcile-channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
          {WALLETS.map((w) => <option key={w} value={w}>{WALLET_NAMES[w]![ctx.lang]}</option>)}
        </select></label>
        <button type="submit" class="primary" id="reconcile-run" disabled={busy}>{busy ? t('running') : t('run')}</button>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {runs === null ? <p class="hint">{t('loading')}</p> : runs.length === 0 ? <p class="hint">{t('noRuns')}</p> : (
        <table class="list" id="runs-table">
          <thead><tr><th>{t('date')}</th><th>{t('wallet')}</th><th>{t('state')}</th><th>{t('lines')}</th><th>{t('matched')}</th><th>{t('bill')}</th><th>{t('ours')}</th><th>{t('open')}</th><th>{t('holding')}</th><th /></tr></thead>
          <tbody>{runs.map((r) => {
            const s = r.summary;
            return (
              <tr key={r.id} data-id={r.id} data-channel={r.channel} data-day={r.day}>
                <td>{r.day}</td><td>{WALLET_NAMES[r.channel]?.[ctx.lang] ?? r.channel}</td><td title={r.error ?? ''}>{r.state}</td>
                <td>{s?.wallet.lines ?? ''}</td><td>{s?.matched ?? ''}</td>
                <td>{s ? m(s.wallet.paymentAmount - s.wallet.refundAmount, s.currency) : ''}</td><td>{s ? m(s.saoma.paymentAmount - s.saoma.refundAmount, s.currency) : ''}</td>
                <td class={s?.openCount ? 'warn' : ''} data-open={s?.openCount ?? 0}>{s ? Object.entries(s.open).map(([k, n]) => `${t(k as 'fee')} ${n}`).join(', ') || '0' : ''}</td>
                <td>{s?.holding ?? ''}</td>
                <td><button type="button" class="link" onClick={() => void exportRun(r).catch((e) => setError(errText(e)))}>{t('export')}</button></td>
              </tr>
            );
          })}</tbody>
        </table>
      )}
    </div>
  );
}
