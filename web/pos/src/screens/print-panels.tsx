/**
 * The printing panels of the Receipt screen: the store's network printers (print, follow the job) and
 * the printer plugged into this terminal (settings here; the USB / serial code loads on first use).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, NetworkError, randomId, type Client } from '../api.ts';
import { BAUD_RATES, ENCODINGS, loadSettings, saveSettings, support, type LocalSettings, type Unsupported } from '../local-printer-core.ts';
import type { LocalResult } from '../local-printer.ts';
import { jobsState, listPrinters, printerJobs, printSale, refresh, type PrintJob, type StorePrinter } from '../store-printers.ts';
import type { T } from '../t.ts';
import './print.css';

/** The store's printers, reloaded on demand (after a print, while a job is followed). */
export function usePrinters(client: Client, merchantId: string | null): { printers: StorePrinter[] | null; error: string | null; reload(): void } {
  const [printers, setPrinters] = useState<StorePrinter[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!merchantId) return;
    let live = true;
    listPrinters(client, merchantId).then((p) => { if (live) { setPrinters(p); setError(null); } }, (e) => { if (live) setError(e instanceof ApiError ? e.message : 'network'); });
    return () => { live = false; };
  }, [merchantId, n]);
  return { printers, error, reload: () => setN((x) => x + 1) };
}

const POLL_MS = 1500;

/** Where some jobs on one printer stand, asked again until they printed or were dropped. */
export function JobState({ t, client, merchantId, printer, jobs, onPoll }: { t: T; client: Client; merchantId: string; printer: StorePrinter; jobs: PrintJob[]; onPoll(): void }) {
  const [ours, setOurs] = useState(jobs);
  useEffect(() => setOurs(jobs), [jobs]);
  const state = jobsState(ours, printer);
  useEffect(() => {
    if (state === 'printed' || state === 'cancelled') return;
    let live = true;
    const timer = setTimeout(() => {
      printerJobs(client, merchantId, printer.id).then((latest) => { if (live) setOurs(refresh(ours, latest)); }, () => undefined);
      onPoll();
    }, state === 'offline' ? POLL_MS * 2 : POLL_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [ours, state, printer.status]);
  const key = state === 'printed' ? 'prPrinted' : state === 'offline' ? 'prOffline' : state === 'cancelled' ? 'prCancelled' : 'prQueued';
  return <p class={`job-state ${state}`} data-state={state} role="status">{t(key, { printer: printer.name })}</p>;
}

interface Row { key: string | null; jobs: PrintJob[] | null; phase: 'idle' | 'sending' | 'noanswer' | 'error'; msg: string | null }
const IDLE: Row = { key: null, jobs: null, phase: 'idle', msg: null };

export function statusWord(t: T, p: StorePrinter): string {
  if (!p.enabled) return t('prDisabled');
  return t(p.status === 'online' ? 'prStatusOnline' : p.status === 'offline' ? 'prStatusOffline' : 'prStatusUnknown');
}

/** Each store printer with its status and queue, and a Print button for this sale. */
export function StorePrinters({ t, client, merchantId, saleId, printers, error, reload }: {
  t: T; client: Client; merchantId: string; saleId: string; printers: StorePrinter[] | null; error: string | null; reload(): void;
}) {
  const [rows, setRows] = useState<Record<string, Row>>({});
  const set = (id: string, r: Row) => setRows((all) => ({ ...all, [id]: r }));

  async function print(p: StorePrinter) {
    const before = rows[p.id] || IDLE;
    // A retry after no answer reuses the key, so the server makes it the same print; a new press after an answer is a new print.
    const key = before.phase === 'noanswer' && before.key ? before.key : randomId('prt_');
    set(p.id, { ...before, key, phase: 'sending', msg: null });
    try {
      const jobs = await printSale(client, p.id, saleId, key);
      set(p.id, { key: null, jobs, phase: 'idle', msg: null });
    } catch (e) {
      if (e instanceof NetworkError) set(p.id, { ...before, key, phase: 'noanswer', msg: t('prNoAnswer') });
      else set(p.id, { key: null, jobs: before.jobs, phase: 'error', msg: e instanceof ApiError ? e.message : String(e) });
    }
    reload();
  }

  return (
    <section class="print-panel" id="store-printers">
      <h2>{t('prStorePrinters')}</h2>
      {error ? <p class="error" role="alert">{t('prLoadFailed', { why: error === 'network' ? t('networkError') : error })}</p> : null}
      {printers && !printers.length ? <p class="muted" id="no-printers">{t('prNoPrinters')}</p> : null}
      {(printers || []).map((p) => {
        const r = rows[p.id] || IDLE;
        return (
          <div class="printer-row" key={p.id} data-printer={p.id} data-status={p.status}>
            <div class="printer-head">
              <strong>{p.name}</strong>
              <span class={`printer-status ${p.enabled ? p.status : 'disabled'}`}>{statusWord(t, p)}</span>
              {p.queued ? <span class="muted printer-queue">{t('prQueue', { n: p.queued })}</span> : null}
              <button type="button" class="print-store" disabled={!p.enabled || r.phase === 'sending'} onClick={() => void print(p)}>
                {r.phase === 'sending' ? t('prSending') : r.jobs && r.phase !== 'noanswer' ? t('prPrintAgain') : t('prPrint')}
              </button>
            </div>
            {r.jobs && r.phase !== 'noanswer' ? <JobState t={t} client={client} merchantId={merchantId} printer={p} jobs={r.jobs} onPoll={reload} /> : null}
            {r.msg ? <p class={r.phase === 'noanswer' ? 'warn' : 'error'} role="alert">{r.msg}</p> : null}
          </div>
        );
      })}
    </section>
  );
}

function unsupportedText(t: T, u: Unsupported): string {
  return t(u === 'insecure' ? 'prLocalInsecure' : u === 'no-usb' ? 'prLocalNoUsb' : 'prLocalNoSerial');
}
const hex = (n: number) => (n + 0x10000).toString(16).slice(1);
const navApis = () => navigator as unknown as { usb?: unknown; serial?: unknown };

/** What a local print came to, in words. */
export function localResultText(t: T, r: LocalResult): string {
  if (r.ok) return t('prLocalDone', { bytes: r.bytes });
  if (r.reason === 'cancelled') return t('prLocalCancelled');
  if (r.reason === 'network') return t('networkError');
  if (r.reason === 'failed') return t('prLocalFailed', { why: r.message || '' });
  return unsupportedText(t, r.reason);
}

/** A button that prints `path(settings)` on the terminal's own printer. */
export function LocalPrintButton({ t, client, path, id, onDone }: { t: T; client: Client; path(s: LocalSettings): string; id: string; onDone?(): void }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<LocalResult | null>(null);
  async function go() {
    setBusy(true);
    setResult(null);
    try {
      const m = await import('../local-printer.ts');
      setResult(await m.printLocal(client, path(loadSettings(window.localStorage))));
    } catch (e) {
      setResult({ ok: false, reason: 'failed', message: (e as Error).message });
    }
    setBusy(false);
    if (onDone) onDone();
  }
  return (
    <div class="local-print">
      <button type="button" id={id} disabled={busy} onClick={() => void go()}>{busy ? t('prLocalSending') : t('prLocalPrint')}</button>
      {result ? <p class={result.ok ? 'ok' : 'error'} role="status" data-result={result.ok ? 'ok' : result.reason}>{localResultText(t, result)}</p> : null}
    </div>
  );
}

/** The terminal's own printer: connection, paper, characters, speed (kept on this device), and Print. */
export function LocalPrinter({ t, client, path }: { t: T; client: Client; path(s: LocalSettings): string }) {
  const [s, setS] = useState<LocalSettings>(() => loadSettings(window.localStorage));
  const change = (patch: Partial<LocalSettings>) => {
    const next = { ...s, ...patch };
    saveSettings(window.localStorage, next);
    setS(next);
  };
  const missing = support({ isSecureContext: window.isSecureContext, usb: navApis().usb, serial: navApis().serial }, s.transport);
  useEffect(() => { if (!missing) import('../local-printer.ts').catch(() => undefined); }, [missing]);
  return (
    <section class="print-panel" id="local-printer" data-unsupported={missing || ''}>
      <h2>{t('prLocalTitle')}</h2>
      <div class="local-settings">
        <label>{t('prTransport')}
          <select name="transport" value={s.transport} onChange={(e) => change({ transport: (e.currentTarget.value === 'serial' ? 'serial' : 'usb'), device: null })}>
            <option value="usb">{t('prUsb')}</option>
            <option value="serial">{t('prSerial')}</option>
          </select>
        </label>
        <label>{t('prPaper')}
          <select name="paper" value={String(s.paper)} onChange={(e) => change({ paper: e.currentTarget.value === '80' ? 80 : 58 })}>
            <option value="58">58 mm</option>
            <option value="80">80 mm</option>
          </select>
        </label>
        <label>{t('prEncoding')}
          <select name="encoding" value={s.encoding} onChange={(e) => { const v = e.currentTarget.value; const enc = ENCODINGS.filter((x) => x === v)[0]; if (enc) change({ encoding: enc }); }}>
            <option value="gbk">{t('prEncGbk')}</option>
            <option value="gb18030">{t('prEncGb18030')}</option>
            <option value="big5">{t('prEncBig5')}</option>
            <option value="ascii">{t('prEncAscii')}</option>
          </select>
        </label>
        {s.transport === 'serial' ? (
          <label>{t('prBaud')}
            <select name="baud" value={String(s.baudRate)} onChange={(e) => change({ baudRate: Number(e.currentTarget.value) })}>
              {BAUD_RATES.map((b) => <option key={b} value={String(b)}>{b}</option>)}
            </select>
          </label>
        ) : null}
      </div>
      {missing ? <p class="warn" id="local-unsupported" role="note">{unsupportedText(t, missing)}</p> : (
        <div>
          <LocalPrintButton t={t} client={client} path={path} id="local-print" onDone={() => setS(loadSettings(window.localStorage))} />
          {s.device ? (
            <p class="muted">{t('prLocalRemembered', { id: `${hex(s.device.vendorId)}:${hex(s.device.productId)}` })}{' '}
              <button type="button" class="link" onClick={() => change({ device: null })}>{t('prLocalForget')}</button></p>
          ) : null}
        </div>
      )}
    </section>
  );
}
