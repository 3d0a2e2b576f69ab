import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api.ts';
import { errText, type Ctx } from '../ctx.ts';
import { num } from '../format.ts';
import type { Key } from '../i18n.ts';

interface Stand { id: string; code: string; url: string; name: string | null; enabled: boolean; storeId: string }
interface Finding { level: 'error' | 'warning'; code: string; message: string }
interface Quality { version: number; ecLevel: string; moduleMm: number; dotsPerModule: number; maxDistanceCm: number; suggestedSizeMm: number; findings: Finding[]; ok: boolean }
interface Checked { code: string; url: string; name: string | null; quality: Quality }

/** Stands (聚合码): check that the codes will scan at a size, printer dpi and distance, then the print-ready PDF. */
export function Stands({ ctx }: { ctx: Ctx }) {
  const { t, lang, merchant, stores } = ctx;
  const [stands, setStands] = useState<Stand[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [size, setSize] = useState('10cm');
  const [dpi, setDpi] = useState('300');
  const [distance, setDistance] = useState('40cm');
  const [checked, setChecked] = useState<{ key: string; rows: Checked[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sticker, setSticker] = useState('');
  const [verdict, setVerdict] = useState<{ ours: boolean; reason: string } | null>(null);

  useEffect(() => {
    api<{ data: Stand[] }>('GET', `/v1/merchants/${merchant.id}/stands`).then((r) => {
      setStands(r.data);
      setChosen(r.data.filter((s) => s.enabled).map((s) => s.id));
    }).catch((e) => setError(errText(e)));
  }, []);

  const query = qs({ size: size.trim(), dpi: dpi.trim(), distance: distance.trim(), stands: chosen.join(',') });
  async function check(e?: Event) {
    e?.preventDefault();
    setError(null);
    try { setChecked({ key: query, rows: (await api<{ data: Checked[] }>('GET', `/v1/merchants/${merchant.id}/stands/quality${query}`)).data }); } catch (err) { setError(errText(err)); setChecked(null); }
  }

  async function download() {
    setBusy(true);
    setError(null);
    try {
      // The request is signed, so no plain link: fetch it, then hand the browser the blob to save.
      const blob = await api<Blob>('GET', `/v1/merchants/${merchant.id}/stands/artwork${query}`, undefined, 'blob');
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = 'stands.pdf';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) { setError(errText(err)); } finally { setBusy(false); }
  }

  // A sticker found on a counter: paste what its QR holds (a phone's scanner shows it).
  async function verify(e: Event) {
    e.preventDefault();
    setVerdict(null);
    if (!sticker.trim()) return;
    try { setVerdict(await api<{ ours: boolean; reason: string }>('GET', `/v1/merchants/${merchant.id}/stands/verify${qs({ url: sticker.trim() })}`)); } catch (err) { setError(errText(err)); }
  }

  const current = checked && checked.key === query ? checked.rows : null;
  const blocked = !current || !current.length || current.some((r) => r.quality.findings.some((f) => f.level === 'error'));
  const storeName = (id: string) => stores.find((s) => s.id === id)?.name ?? id;
  return (
    <section id="stands">
      <h2>{t('stands')}</h2>
      {stands && !stands.length ? <p class="hint">{t('noStands')}</p> : null}
      <ul class="stand-list">{(stands ?? []).map((s) => (
        <li key={s.id}><label class="check"><input type="checkbox" data-stand={s.id} checked={chosen.indexOf(s.id) >= 0}
          onChange={(e) => { const on = e.currentTarget.checked; setChosen((c) => (on ? [...c, s.id] : c.filter((x) => x !== s.id))); }} />
          {s.name ?? s.code} · <code>{s.code}</code> · {storeName(s.storeId)}{s.enabled ? '' : ` (${t('disabled')})`}</label></li>))}</ul>
      <form id="quality-form" class="toolbar" onSubmit={check}>
        <label>{t('size')}<input name="size" value={size} maxLength={12} onInput={(e) => setSize(e.currentTarget.value)} /></label>
        <label>{t('dpi')}<input name="dpi" value={dpi} inputMode="numeric" maxLength={4} onInput={(e) => setDpi(e.currentTarget.value)} /></label>
        <label>{t('distance')}<input name="distance" value={distance} maxLength={12} onInput={(e) => setDistance(e.currentTarget.value)} /></label>
        <button type="submit" class="primary" id="check-quality" disabled={!chosen.length}>{t('checkQuality')}</button>
        <button type="button" id="download-pdf" class="primary" disabled={blocked || busy} onClick={download}>{t('downloadPdf')}</button>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {current && blocked && current.length ? <p class="error" id="pdf-blocked">{t('pdfBlocked')}</p> : null}
      {current ? (
        <table class="list" id="quality">
          <thead><tr><th>{t('stands')}</th><th>{t('version')}</th><th>{t('moduleMm')}</th><th>{t('dots')}</th><th>{t('maxDistance')}</th><th>{t('findings')}</th></tr></thead>
          <tbody>{current.map((r) => (
            <tr key={r.code} data-code={r.code} data-ok={r.quality.ok ? 'true' : 'false'}>
              <td>{r.name ?? r.code}</td>
              <td class="num">{r.quality.version} ({r.quality.ecLevel})</td>
              <td class="num">{num(lang, r.quality.moduleMm, 3)} mm</td>
              <td class="num">{num(lang, r.quality.dotsPerModule, 1)}</td>
              <td class="num">{num(lang, r.quality.maxDistanceCm, 0)} cm</td>
              <td>{r.quality.findings.length ? <ul class="findings">{r.quality.findings.map((f) => (
                <li key={f.code + f.level} class={f.level} data-level={f.level}><strong>{t(`level_${f.level}` as Key)}</strong> {f.message}</li>))}</ul>
                : <span class="ok">{t('noFindings')}</span>}</td>
            </tr>))}</tbody>
        </table>) : null}
      <h3>{t('stickerCheck')}</h3>
      <form id="sticker-form" class="toolbar" onSubmit={verify}>
        <label>{t('stickerUrl')}<input name="sticker" value={sticker} maxLength={512} onInput={(e) => setSticker(e.currentTarget.value)} /></label>
        <button type="submit" class="primary" id="check-sticker">{t('check')}</button>
      </form>
      {verdict ? <p id="sticker-verdict" data-ours={verdict.ours ? 'true' : 'false'} class={verdict.ours ? 'ok' : 'error'}><strong>{verdict.ours ? t('stickerOurs') : t('stickerNotOurs')}</strong> {verdict.reason}</p> : null}
    </section>
  );
}
