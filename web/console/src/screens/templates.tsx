import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, qs, send } from '../api.ts';
import { RECEIPT_LANGS, RL_KEY, errText, type Ctx, type ReceiptLang } from '../ctx.ts';
import { FIELDS, snippet } from '../fields.ts';
import type { Key } from '../i18n.ts';

const KINDS = ['sale', 'refund', 'kitchen', 'shift', 'daily', 'verification', 'qr_slip'] as const;
type Kind = typeof KINDS[number];
interface Template { kind: Kind; version: number; source: string; createdAt: string | null; versions: number[] }
/** Matches the CSS: the editor's line height and top padding, to place the error bar on its line. */
const LINE_PX = 20;
const PAD_PX = 8;

/** Receipt templates: edit with a live SVG preview, save versions, load an old one or the default. */
export function Templates({ ctx }: { ctx: Ctx }) {
  const { t, merchant, stores } = ctx;
  const [storeId, setStoreId] = useState<string>('');
  const [kind, setKind] = useState<Kind>('sale');
  const [paper, setPaper] = useState<58 | 80>(58);
  const [rlang, setRlang] = useState<ReceiptLang>(ctx.lang === 'en' ? 'en' : ctx.lang === 'zh-Hant' ? 'zh-Hant+en' : 'zh-Hans+en');
  const [source, setSource] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<Template | null>(null);
  const [svg, setSvg] = useState<string | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [previewError, setPreviewError] = useState<{ message: string; line: number | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [scroll, setScroll] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const seq = useRef(0);
  const base = storeId ? `/v1/merchants/${merchant.id}/stores/${storeId}/receipt-templates/${kind}` : '';

  useEffect(() => { if (!storeId && stores.length) setStoreId(stores[0]!.id); }, [stores]);

  async function load(version?: number) {
    if (!base) return;
    setNote(null);
    try {
      const tpl = await api<Template>('GET', base + qs({ version }));
      setLoaded(tpl);
      setSource(tpl.source);
    } catch (e) { setNote(errText(e)); }
  }
  useEffect(() => { setSource(null); setLoaded(null); setSvg(null); setPreviewError(null); void load(); }, [base]);

  // The live preview: 300 ms after the last keystroke; an answer to an older request is dropped.
  useEffect(() => {
    if (source === null || !storeId) return;
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const res = await send('POST', `/v1/merchants/${merchant.id}/receipt-preview`, { kind, storeId, template: source, lang: rlang, paper, format: 'svg' });
        const out = await res.text();
        if (mine !== seq.current) return;
        setSvg(out);
        const w = res.headers.get('saoma-warnings');
        setWarnings(w ? decodeURIComponent(w).split(' | ') : []);
        setPreviewError(null);
      } catch (e) {
        if (mine !== seq.current) return;
        const line = e instanceof ApiError && typeof e.details?.line === 'number' ? e.details.line : null;
        setPreviewError({ message: errText(e), line });
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [source, rlang, paper, kind, storeId]);

  // A refused line outside the visible part of the editor is scrolled into view.
  useEffect(() => {
    const el = area.current;
    const line = previewError?.line;
    if (!el || !line) return;
    const top = (line - 1) * LINE_PX;
    if (top < el.scrollTop || top + LINE_PX > el.scrollTop + el.clientHeight - PAD_PX) el.scrollTop = Math.max(0, top - el.clientHeight / 3);
  }, [previewError?.line]);

  /** Switching store or slip drops what is being edited: ask first when it was not saved. */
  const dirty = loaded !== null && source !== null && source !== loaded.source;
  const leave = () => !dirty || window.confirm(t('discardChanges'));

  async function save() {
    if (source === null) return;
    setBusy(true);
    setNote(null);
    try {
      const r = await api<{ version: number }>('PUT', base, { source });
      const tpl = await api<Template>('GET', base);
      setLoaded(tpl);
      setNote(t('savedVersion', { n: r.version }));
    } catch (e) {
      const line = e instanceof ApiError && typeof e.details?.line === 'number' ? e.details.line : null;
      setPreviewError({ message: errText(e), line });
    } finally { setBusy(false); }
  }

  function insert(text: string) {
    const el = area.current;
    if (!el || source === null) return;
    const a = el.selectionStart, b = el.selectionEnd;
    setSource(source.slice(0, a) + text + source.slice(b));
    requestAnimationFrame(() => { el.focus(); el.selectionStart = el.selectionEnd = a + text.length; });
  }

  const lines = (source ?? '').split('\n').length;
  const badLine = previewError?.line ?? null;
  return (
    <section id="templates" class="templates">
      <div class="toolbar">
        <label>{t('store')}<select name="store" value={storeId} onChange={(e) => { if (leave()) setStoreId(e.currentTarget.value); else e.currentTarget.value = storeId; }}>
          {stores.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select></label>
        <label>{t('kind')}<select name="kind" value={kind} onChange={(e) => { if (leave()) setKind(e.currentTarget.value as Kind); else e.currentTarget.value = kind; }}>
          {KINDS.map((k) => <option key={k} value={k}>{t(`kind_${k}` as Key)}</option>)}
        </select></label>
        <label>{t('paper')}<select name="paper" value={String(paper)} onChange={(e) => setPaper(Number(e.currentTarget.value) as 58 | 80)}>
          {[58, 80].map((p) => <option key={p} value={p}>{t('paperMm', { n: p })}</option>)}
        </select></label>
        <label>{t('labelLang')}<select name="rlang" value={rlang} onChange={(e) => setRlang(e.currentTarget.value as ReceiptLang)}>
          {RECEIPT_LANGS.map((l) => <option key={l} value={l}>{t(RL_KEY[l])}</option>)}
        </select></label>
        <span class="grow" />
        <button type="button" id="save-template" class="primary" disabled={busy || source === null} onClick={save}>{t('saveTemplate')}</button>
      </div>
      {note ? <p id="template-note" class="note" role="status">{note}</p> : null}
      <div class="split">
        <div class="pane">
          <h2>{t('editor')}{loaded ? <small id="editing-version"> · {t('showingVersion', { n: loaded.version })}{dirty ? ` · ${t('unsaved')}` : ''}</small> : null}</h2>
          <div class={`editor${badLine ? ' has-error' : ''}`} data-error-line={badLine ?? ''}>
            <div class="gutter" aria-hidden="true" style={{ transform: `translateY(${-scroll}px)` }}>
              {Array.from({ length: lines }, (_x, i) => <div key={i} data-line={i + 1} class={badLine === i + 1 ? 'bad' : ''}>{i + 1}</div>)}
            </div>
            {badLine ? <div class="line-mark" aria-hidden="true" style={{ top: `${PAD_PX + (badLine - 1) * LINE_PX - scroll}px` }} /> : null}
            <textarea id="template-source" ref={area} spellcheck={false} wrap="off" aria-label={t('editor')} aria-invalid={badLine ? true : undefined}
              value={source ?? ''} disabled={source === null}
              onInput={(e) => setSource(e.currentTarget.value)} onScroll={(e) => setScroll(e.currentTarget.scrollTop)} />
          </div>
          {previewError ? <div id="template-error" role="alert" class="error">{previewError.message}
            {badLine && source !== null ? <pre class="bad-line">{badLine}: {source.split('\n')[badLine - 1] ?? ''}</pre> : null}</div> : null}
        </div>
        <div class="pane preview-pane">
          <h2>{t('preview')}</h2>
          <div class={`paper p${paper}${previewError ? ' stale' : ''}`}>
            {warnings.length ? <ul id="preview-warnings" class="warnings"><li><strong>{t('printWarnings')}</strong></li>{warnings.map((w) => <li key={w}>{w}</li>)}</ul> : null}
            {svg ? <img id="preview" alt={t('preview')} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} /> : <p class="hint">{t('previewing')}</p>}
          </div>
        </div>
        <aside class="pane side">
          <h2>{t('versions')}</h2>
          <ul id="versions" class="versions">
            {loaded && loaded.versions.length === 0 ? <li class="hint">{t('noVersions')}</li> : null}
            {(loaded?.versions ?? []).slice().sort((a, b) => b - a).map((v) => (
              <li key={v} data-version={v}>v{v} <button type="button" onClick={() => { if (leave()) void load(v); }}>{t('loadVersion')}</button></li>
            ))}
            <li data-version="0">v0 · {t('versionDefault')} <button type="button" id="load-default" onClick={() => { if (leave()) void load(0); }}>{t('resetDefault')}</button></li>
          </ul>
          <p class="hint">{t('resetHint')}</p>
          <h2>{t('cheatTitle')}</h2>
          <p class="hint">{t('cheatMarkup')}</p>
          <p class="hint">{t('cheatFields')}</p>
          <h3>{t('fieldsTitle')}</h3>
          <ul class="fields">
            {FIELDS[kind]!.map((f) => <li key={f}><button type="button" class="link" onClick={() => insert(snippet(f))}><code>{f}</code></button></li>)}
          </ul>
        </aside>
      </div>
    </section>
  );
}
