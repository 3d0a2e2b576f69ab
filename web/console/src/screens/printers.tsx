import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ENCODINGS, RECEIPT_LANGS, RL_KEY, errText, type Ctx, type ReceiptLang } from '../ctx.ts';
import { dateTime } from '../format.ts';
import type { Key } from '../i18n.ts';

export interface Printer {
  id: string; storeId: string; name: string; url: string; paper: 58 | 80; encoding: string; lang: ReceiptLang;
  autoPrint: boolean; copies: number; merchantCopy: boolean; enabled: boolean;
  status: 'unknown' | 'online' | 'offline'; lastError: string | null; lastSeenAt: string | null; queued: number;
}
interface Job { id: string; kind: string; ref: string | null; copy: string; state: string; attempts: number; lastError: string | null; createdAt: string; printedAt: string | null }
type Form = { storeId: string; name: string; url: string; paper: 58 | 80; encoding: string; lang: ReceiptLang; autoPrint: boolean; copies: number; merchantCopy: boolean; enabled: boolean };

/** How often the list (status, queue) is fetched again while the screen is open. */
const REFRESH_MS = 3000;

export function usePrinters(ctx: Ctx): { printers: Printer[] | null; reload: () => void } {
  const [printers, setPrinters] = useState<Printer[] | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    api<{ data: Printer[] }>('GET', `/v1/merchants/${ctx.merchant.id}/printers`).then((r) => { if (live) setPrinters(r.data); }).catch(() => undefined);
    return () => { live = false; };
  }, [tick]);
  return { printers, reload: () => setTick((n) => n + 1) };
}

function PrinterForm({ ctx, editing, onDone }: { ctx: Ctx; editing: Printer | null; onDone: () => void }) {
  const { t, stores, merchant } = ctx;
  const [f, setF] = useState<Form>(() => editing
    ? { storeId: editing.storeId, name: editing.name, url: editing.url, paper: editing.paper, encoding: editing.encoding, lang: editing.lang, autoPrint: editing.autoPrint, copies: editing.copies, merchantCopy: editing.merchantCopy, enabled: editing.enabled }
    : { storeId: stores[0]?.id ?? '', name: '', url: '', paper: 58, encoding: 'gbk', lang: 'zh-Hans+en', autoPrint: true, copies: 1, merchantCopy: false, enabled: true });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((x) => ({ ...x, [k]: v }));
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (editing) {
        const { storeId: _s, ...patch } = f;
        await api('PATCH', `/v1/merchants/${merchant.id}/printers/${editing.id}`, patch);
      } else await api('POST', `/v1/merchants/${merchant.id}/printers`, f);
      onDone();
    } catch (err) { setError(errText(err)); } finally { setBusy(false); }
  }
  return (
    <form id="printer-form" class="card grid-form" onSubmit={submit}>
      <h2>{editing ? `${t('editPrinter')} · ${editing.name}` : t('addPrinter')}</h2>
      {!editing ? <label>{t('store')}<select name="storeId" value={f.storeId} onChange={(e) => set('storeId', e.currentTarget.value)}>
        {stores.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}</select></label> : null}
      <label>{t('name')}<input name="name" required maxLength={100} value={f.name} onInput={(e) => set('name', e.currentTarget.value)} /></label>
      <label>{t('url')}<input name="url" required placeholder={t('urlHint')} value={f.url} onInput={(e) => set('url', e.currentTarget.value)} /></label>
      <label>{t('paper')}<select name="paper" value={String(f.paper)} onChange={(e) => set('paper', Number(e.currentTarget.value) as 58 | 80)}>
        {[58, 80].map((p) => <option key={p} value={p}>{t('paperMm', { n: p })}</option>)}</select></label>
      <label>{t('encoding')}<select name="encoding" value={f.encoding} onChange={(e) => set('encoding', e.currentTarget.value)}>
        {ENCODINGS.map((x) => <option key={x} value={x}>{x}</option>)}</select></label>
      <label>{t('printLang')}<select name="lang" value={f.lang} onChange={(e) => set('lang', e.currentTarget.value as ReceiptLang)}>
        {RECEIPT_LANGS.map((l) => <option key={l} value={l}>{t(RL_KEY[l])}</option>)}</select></label>
      <label>{t('copies')}<input name="copies" type="number" min={0} max={5} value={f.copies} onInput={(e) => set('copies', Number(e.currentTarget.value))} /></label>
      <label class="check"><input name="autoPrint" type="checkbox" checked={f.autoPrint} onChange={(e) => set('autoPrint', e.currentTarget.checked)} />{t('autoPrint')}</label>
      <label class="check"><input name="merchantCopy" type="checkbox" checked={f.merchantCopy} onChange={(e) => set('merchantCopy', e.currentTarget.checked)} />{t('merchantCopy')}</label>
      <label class="check"><input name="enabled" type="checkbox" checked={f.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />{t('enabled')}</label>
      {error ? <p role="alert" class="error wide">{error}</p> : null}
      <div class="wide actions">
        <button type="submit" class="primary" disabled={busy}>{t('save')}</button>
        <button type="button" onClick={onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}

function Jobs({ ctx, printer }: { ctx: Ctx; printer: Printer }) {
  const { t, lang, merchant } = ctx;
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const get = () => api<{ data: Job[] }>('GET', `/v1/merchants/${merchant.id}/printers/${printer.id}/jobs`).then((r) => { if (live) setJobs(r.data); }).catch((e) => { if (live) setError(errText(e)); });
    void get();
    const timer = setInterval(get, REFRESH_MS);
    return () => { live = false; clearInterval(timer); };
  }, [printer.id, tick]);
  async function act(job: Job, what: 'retry' | 'cancel') {
    setError(null);
    try { await api('POST', `/v1/print-jobs/${job.id}/${what}`); } catch (e) { setError(errText(e)); }
    setTick((n) => n + 1);
  }
  return (
    <div id="jobs" class="card">
      <h2>{t('jobs')} · {printer.name}</h2>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {jobs && !jobs.length ? <p class="hint">{t('noJobs')}</p> : null}
      {jobs && jobs.length ? (
        <table class="list">
          <thead><tr><th>{t('created')}</th><th>{t('kind')}</th><th>{t('status')}</th><th>{t('attempts')}</th><th>{t('lastError')}</th><th /></tr></thead>
          <tbody>{jobs.slice(0, 100).map((j) => (
            <tr key={j.id} data-job={j.id} data-state={j.state}>
              <td>{dateTime(lang, j.createdAt)}</td>
              <td>{j.kind} · {j.copy}</td>
              <td>{t(`state_${j.state}` as Key)}</td>
              <td>{j.attempts}</td>
              <td class="err-cell">{j.lastError ?? ''}</td>
              <td class="actions">{j.state === 'queued' ? <>
                <button type="button" data-act="retry" onClick={() => act(j, 'retry')}>{t('retry')}</button>
                <button type="button" data-act="cancel" onClick={() => act(j, 'cancel')}>{t('cancelJob')}</button>
              </> : null}</td>
            </tr>))}</tbody>
        </table>) : null}
    </div>
  );
}

/** Printers: status, queue, add and edit, a printer's jobs with retry and cancel. Refreshed every few seconds. */
export function Printers({ ctx }: { ctx: Ctx }) {
  const { t, stores } = ctx;
  const { printers, reload } = usePrinters(ctx);
  const [form, setForm] = useState<{ editing: Printer | null } | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  useEffect(() => { const timer = setInterval(reload, REFRESH_MS); return () => clearInterval(timer); }, []);
  const storeName = (id: string) => stores.find((s) => s.id === id)?.name ?? id;
  const selected = printers?.find((p) => p.id === shown) ?? null;
  return (
    <section id="printers">
      <div class="toolbar">
        <h2 class="grow">{t('printers')}</h2>
        <button type="button" id="add-printer" class="primary" onClick={() => setForm({ editing: null })}>{t('addPrinter')}</button>
        <button type="button" onClick={reload}>{t('refresh')}</button>
      </div>
      {form ? <PrinterForm key={form.editing?.id ?? 'new'} ctx={ctx} editing={form.editing} onDone={() => { setForm(null); reload(); }} /> : null}
      {printers === null ? <p class="hint">{t('loading')}</p> : !printers.length ? <p class="hint">{t('noPrinters')}</p> : (
        <table class="list" id="printer-list">
          <thead><tr><th>{t('name')}</th><th>{t('store')}</th><th>{t('url')}</th><th>{t('status')}</th><th>{t('queued')}</th><th>{t('autoPrint')}</th><th>{t('copies')}</th><th>{t('lastError')}</th><th /></tr></thead>
          <tbody>{printers.map((p) => (
            <tr key={p.id} data-printer={p.id} data-status={p.status} class={p.enabled ? '' : 'off'}>
              <td>{p.name}{p.enabled ? null : <small> ({t('disabled')})</small>}</td>
              <td>{storeName(p.storeId)}</td>
              <td><code>{p.url}</code> · {t('paperMm', { n: p.paper })} · {p.encoding}</td>
              <td><span class={`badge ${p.status}`}>{t(`status_${p.status}` as Key)}</span></td>
              <td class="queued">{p.queued}</td>
              <td>{p.autoPrint ? t('yes') : t('no')}</td>
              <td>{p.copies}{p.merchantCopy ? ` + ${t('merchantCopy')}` : ''}</td>
              <td class="err-cell">{p.lastError ?? ''}</td>
              <td class="actions">
                <button type="button" data-act="edit" onClick={() => setForm({ editing: p })}>{t('editPrinter')}</button>
                <button type="button" data-act="jobs" onClick={() => setShown(shown === p.id ? null : p.id)}>{t('jobs')}</button>
              </td>
            </tr>))}</tbody>
        </table>)}
      {selected ? <Jobs ctx={ctx} printer={selected} /> : null}
    </section>
  );
}
