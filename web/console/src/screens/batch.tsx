import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { errText, type Ctx } from '../ctx.ts';
import { isoToLocal, localToIso } from '../format.ts';
import { usePrinters } from './printers.tsx';

interface Progress { batchId: string; total: number; printed: number; queued: number; cancelled: number; lastError: string | null }
const POLL_MS = 1000;

/** Batch printing: every receipt of a time range, N copies each, with its progress until done. */
export function Batch({ ctx }: { ctx: Ctx }) {
  const { t, merchant } = ctx;
  const { printers } = usePrinters(ctx);
  const [printerId, setPrinterId] = useState('');
  const [from, setFrom] = useState(() => isoToLocal(new Date(Date.now() - 24 * 3600_000)));
  const [to, setTo] = useState(() => isoToLocal(new Date(Date.now() + 60_000)));
  const [copies, setCopies] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [busy, setBusy] = useState(false);
  const polling = useRef<ReturnType<typeof setInterval> | null>(null);

  useEffect(() => { if (!printerId && printers?.length) setPrinterId(printers[0]!.id); }, [printers]);
  useEffect(() => () => { if (polling.current) clearInterval(polling.current); }, []);

  function poll(batchId: string) {
    if (polling.current) clearInterval(polling.current);
    const get = async () => {
      try {
        const p = await api<Progress>('GET', `/v1/print-batches/${batchId}`);
        setProgress(p);
        if (p.queued === 0 && polling.current) { clearInterval(polling.current); polling.current = null; }
      } catch (e) { setError(errText(e)); }
    };
    polling.current = setInterval(get, POLL_MS);
    void get();
  }

  async function start(e: Event) {
    e.preventDefault();
    setError(null);
    const f = localToIso(from), tt = localToIso(to);
    if (!f || !tt || f >= tt) { setError(t('badRange')); return; }
    setBusy(true);
    try {
      const r = await api<{ batchId: string; total: number }>('POST', `/v1/merchants/${merchant.id}/printers/${printerId}/batches`, { from: f, to: tt, copies });
      setProgress({ batchId: r.batchId, total: r.total, printed: 0, queued: r.total, cancelled: 0, lastError: null });
      poll(r.batchId);
    } catch (err) { setError(errText(err)); } finally { setBusy(false); }
  }

  const done = progress !== null && progress.queued === 0;
  return (
    <section id="batch">
      <h2>{t('tabBatch')}</h2>
      <p class="hint">{t('batchHint')}</p>
      <form id="batch-form" class="card grid-form" onSubmit={start}>
        <label>{t('printer')}<select name="printer" value={printerId} onChange={(e) => setPrinterId(e.currentTarget.value)}>
          {(printers ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}</select></label>
        <label>{t('from')}<input name="from" type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
        <label>{t('to')}<input name="to" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
        <label>{t('copies')}<input name="copies" type="number" min={1} max={10} value={copies} onInput={(e) => setCopies(Number(e.currentTarget.value))} /></label>
        <div class="wide actions"><button type="submit" class="primary" id="start-batch" disabled={busy || !printerId}>{t('startBatch')}</button></div>
        {error ? <p role="alert" class="error wide">{error}</p> : null}
      </form>
      {progress ? (
        <div id="batch-progress" class="card" data-done={done ? 'true' : 'false'} data-printed={progress.printed} data-total={progress.total}>
          <progress max={progress.total || 1} value={progress.printed} />
          <p>{t('progress', { printed: progress.printed, total: progress.total })}
            {progress.queued ? ` · ${t('waiting', { n: progress.queued })}` : ''}
            {progress.cancelled ? ` · ${t('cancelledN', { n: progress.cancelled })}` : ''}
            {done ? ` · ${t('batchDone')}` : ''}</p>
          {progress.lastError ? <p class="error">{t('lastError')}: {progress.lastError}</p> : null}
        </div>) : null}
    </section>
  );
}
