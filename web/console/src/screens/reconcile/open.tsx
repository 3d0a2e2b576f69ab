import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { errText, type Ctx } from '../../ctx.ts';
import { money } from '../../format.ts';
import { WALLET_NAMES } from '../reports/dict.ts';
import { reconDict } from './dict.ts';
import type { Mismatch } from './runs.tsx';

/** The mismatches waiting for a person, each with its repair: trust the wallet, or trust Saoma, with a reason. */
export function OpenMismatches({ ctx }: { ctx: Ctx }) {
  const t = reconDict(ctx.lang);
  const [rows, setRows] = useState<Mismatch[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reason, setReason] = useState<Record<string, string>>({});
  const load = () => api<{ data: Mismatch[] }>('GET', '/v1/reconciliations/mismatches').then((r) => setRows(r.data), (e) => setError(errText(e)));
  useEffect(() => { void load(); }, []);
  async function resolve(m: Mismatch, side: 'wallet' | 'saoma') {
    const why = (reason[m.id] ?? '').trim();
    if (why.length < 2) { setError(t('needReason')); return; }
    setError(null);
    try { await api('POST', `/v1/reconciliations/mismatches/${m.id}/resolve`, { side, reason: why }); await load(); } catch (e) { setError(errText(e)); }
  }
  const amt = (v: number | null, c: string) => (v === null ? '—' : money(ctx.lang, v, c));
  if (rows === null) return <p class="hint">{t('loading')}</p>;
  return (
    <div>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {rows.length === 0 ? <p class="hint" id="nothing-open">{t('nothingOpen')}</p> : (
        <table class="list" id="mismatch-table">
          <thead><tr><th>{t('date')}</th><th>{t('wallet')}</th><th>{t('type')}</th><th>{t('trade')}</th><th>{t('walletAmount')}</th><th>{t('ourAmount')}</th><th>{t('delta')}</th><th>{t('repair')}</th></tr></thead>
          <tbody>{rows.map((m) => (
            <tr key={m.id} data-id={m.id} data-type={m.type}>
              <td>{m.day}</td><td>{WALLET_NAMES[m.channel]?.[ctx.lang] ?? m.channel}</td><td>{t(m.type as 'fee')}</td><td>{m.refundNo ?? m.tradeNo}</td>
              <td>{m.type === 'fee' ? amt(m.walletFee, m.currency) : amt(m.walletAmount, m.currency)}</td>
              <td>{m.type === 'fee' ? amt(m.saomaFee, m.currency) : amt(m.saomaAmount, m.currency)}</td>
              <td class={m.delta < 0 ? 'warn' : ''}>{money(ctx.lang, m.delta, m.currency)}</td>
              <td class="repair">
                <input aria-label={t('reason')} placeholder={t('reason')} value={reason[m.id] ?? ''} onInput={(e) => setReason({ ...reason, [m.id]: e.currentTarget.value })} />
                <button type="button" data-side="wallet" onClick={() => void resolve(m, 'wallet')}>{t('trustWallet')}</button>
                <button type="button" data-side="saoma" onClick={() => void resolve(m, 'saoma')}>{t('trustSaoma')}</button>
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </div>
  );
}
