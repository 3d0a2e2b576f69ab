import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api.ts';
import { errText, type Ctx } from '../ctx.ts';
import { dateTime, isoToLocal, localToIso, money } from '../format.ts';

interface Receipt { id: string; code: string; url: string; paymentId: string; amount: number; currency: string; gifts: Array<{ name: string; quantity: number }>; createdAt: string; collectedAt: string | null }
interface GiftRow { name: string; quantity: number; receipts: number }

/** Gifts as horizontal bars, widest = the most given; plain SVG, the numbers beside each bar. */
function GiftChart({ rows }: { rows: GiftRow[] }) {
  const max = Math.max(1, ...rows.map((r) => r.quantity));
  const bar = 22, gap = 8, labelW = 160, chartW = 320;
  const h = rows.length * (bar + gap);
  return (
    <svg id="gift-chart" width={labelW + chartW + 60} height={h} viewBox={`0 0 ${labelW + chartW + 60} ${h}`} role="img">
      {rows.map((r, i) => {
        const y = i * (bar + gap);
        const w = Math.max(2, Math.round((r.quantity / max) * chartW));
        return (
          <g key={r.name}>
            <text x={labelW - 8} y={y + bar * 0.7} text-anchor="end" font-size="13">{r.name.length > 18 ? `${r.name.slice(0, 17)}…` : r.name}</text>
            <rect x={labelW} y={y} width={w} height={bar} rx="3" fill="#1f4e8c" />
            <text x={labelW + w + 6} y={y + bar * 0.7} font-size="13">{r.quantity}</text>
          </g>
        );
      })}
    </svg>
  );
}

/** Verification receipts (验证收据): search, collect the paper copy, and the gifts given in a period. */
export function Verification({ ctx }: { ctx: Ctx }) {
  const { t, lang, merchant } = ctx;
  const [code, setCode] = useState('');
  const [notCollected, setNotCollected] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rows, setRows] = useState<Receipt[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [gFrom, setGFrom] = useState(() => isoToLocal(new Date(Date.now() - 30 * 24 * 3600_000)));
  const [gTo, setGTo] = useState(() => isoToLocal(new Date(Date.now() + 60_000)));
  const [gifts, setGifts] = useState<GiftRow[] | null>(null);
  const [gError, setGError] = useState<string | null>(null);

  async function search(e?: Event) {
    e?.preventDefault();
    setError(null);
    try {
      const q = qs({ code: code.trim(), collected: notCollected ? 'false' : undefined, from: localToIso(from), to: localToIso(to) });
      setRows((await api<{ data: Receipt[] }>('GET', `/v1/merchants/${merchant.id}/verification-receipts${q}`)).data);
    } catch (err) { setError(errText(err)); }
  }
  useEffect(() => { void search(); }, []);

  async function collect(r: Receipt) {
    setError(null);
    try {
      const done = await api<Receipt>('POST', `/v1/merchants/${merchant.id}/verification-receipts/${r.id}/collect`);
      setRows((xs) => (xs ?? []).map((x) => (x.id === r.id ? done : x)));
    } catch (err) { setError(errText(err)); }
  }

  async function report(e: Event) {
    e.preventDefault();
    setGError(null);
    const f = localToIso(gFrom), tt = localToIso(gTo);
    if (!f || !tt || f >= tt) { setGError(t('badRange')); return; }
    try { setGifts((await api<{ data: GiftRow[] }>('GET', `/v1/merchants/${merchant.id}/gifts${qs({ from: f, to: tt })}`)).data); } catch (err) { setGError(errText(err)); }
  }

  return (
    <section id="verification">
      <h2>{t('tabVerification')}</h2>
      <form id="vr-search" class="toolbar" onSubmit={search}>
        <label>{t('code')}<input name="code" value={code} maxLength={20} onInput={(e) => setCode(e.currentTarget.value)} /></label>
        <label>{t('from')}<input name="from" type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
        <label>{t('to')}<input name="to" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
        <label class="check"><input name="notCollected" type="checkbox" checked={notCollected} onChange={(e) => setNotCollected(e.currentTarget.checked)} />{t('notCollectedOnly')}</label>
        <button type="submit" class="primary">{t('search')}</button>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {rows && !rows.length ? <p class="hint">{t('noReceipts')}</p> : null}
      {rows && rows.length ? (
        <table class="list" id="vr-list">
          <thead><tr><th>{t('code')}</th><th>{t('amount')}</th><th>{t('time')}</th><th>{t('gifts')}</th><th /><th /></tr></thead>
          <tbody>{rows.map((r) => (
            <tr key={r.id} data-receipt={r.id} data-collected={r.collectedAt ? 'true' : 'false'}>
              <td><code>{r.code}</code></td>
              <td class="num">{money(lang, r.amount, r.currency)}</td>
              <td>{dateTime(lang, r.createdAt, merchant.timezone)}</td>
              <td>{r.gifts.map((g) => `${g.name} ×${g.quantity}`).join(', ')}</td>
              <td><a href={r.url} target="_blank" rel="noopener noreferrer">{t('checkPage')}</a></td>
              <td class="actions">{r.collectedAt ? <span class="collected">{t('collectedAt', { time: dateTime(lang, r.collectedAt, merchant.timezone) })}</span>
                : <button type="button" data-act="collect" onClick={() => collect(r)}>{t('collect')}</button>}</td>
            </tr>))}</tbody>
        </table>) : null}

      <h2>{t('giftsReport')}</h2>
      <form id="gifts-form" class="toolbar" onSubmit={report}>
        <label>{t('from')}<input name="gfrom" type="datetime-local" value={gFrom} onInput={(e) => setGFrom(e.currentTarget.value)} /></label>
        <label>{t('to')}<input name="gto" type="datetime-local" value={gTo} onInput={(e) => setGTo(e.currentTarget.value)} /></label>
        <button type="submit" class="primary">{t('showReport')}</button>
      </form>
      {gError ? <p role="alert" class="error">{gError}</p> : null}
      {gifts && !gifts.length ? <p class="hint">{t('noGifts')}</p> : null}
      {gifts && gifts.length ? (
        <div class="card gifts" id="gifts-report">
          <GiftChart rows={gifts} />
          <table class="list">
            <thead><tr><th>{t('giftName')}</th><th>{t('quantity')}</th><th>{t('receiptsN')}</th></tr></thead>
            <tbody>{gifts.map((g) => <tr key={g.name}><td>{g.name}</td><td class="num">{g.quantity}</td><td class="num">{g.receipts}</td></tr>)}</tbody>
          </table>
        </div>) : null}
    </section>
  );
}
