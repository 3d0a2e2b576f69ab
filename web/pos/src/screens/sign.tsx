/**
 * The customer signs on the terminal for a paid tender (验证收据): a large pad (signature_pad), gifts
 * given with it, then the server keeps a signed record and prints the slip with the signature, a short
 * code and a QR to the public check page. Loaded only when the cashier opens it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import SignaturePad from 'signature_pad';
import { ApiError, call, NetworkError, type Client } from '../api.ts';
import { formatAmount, type Lang } from '../i18n.ts';
import { verificationReceiptPath } from '../local-printer-core.ts';
import { QrCode } from '../qr.tsx';
import { inkOf, parseGifts, tooLittleInk, type GiftLine } from '../sign-input.ts';
import type { PrintJob, StorePrinter } from '../store-printers.ts';
import type { T } from '../t.ts';
import type { OfficeSale, Tender } from './office-data.ts';
import { walletName } from './office-words.ts';
import { pushDisplay } from '../display-link.tsx';
import { JobState, LocalPrintButton, statusWord } from './print-panels.tsx';
import './print.css';

interface Made { id: string; code: string; url: string; jobs: PrintJob[] }

export function Sign({ t, lang, client, sale, printers, onBack }: { t: T; lang: Lang; client: Client; sale: OfficeSale; printers: StorePrinter[]; onBack(): void }) {
  const paid = sale.payments.filter((p) => p.state === 'succeeded').sort((a, b) => b.amount - a.amount);
  const usable = printers.filter((p) => p.enabled);
  const [paymentId, setPaymentId] = useState(paid[0] ? paid[0].id : '');
  const [printerId, setPrinterId] = useState(usable[0] ? usable[0].id : '');
  const [gifts, setGifts] = useState<GiftLine[]>([]);
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<Made | null>(null);
  const [printerNow, setPrinterNow] = useState<StorePrinter | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  /** Waiting for the customer to sign on the customer display: since when. */
  const [onDisplay, setOnDisplay] = useState<number | null>(null);

  useEffect(() => {
    const c = canvas.current;
    if (!c || made) return;
    const p = new SignaturePad(c, { backgroundColor: 'rgb(255,255,255)', minWidth: 1.5, maxWidth: 4 });
    pad.current = p;
    // As signature_pad's README says: size the bitmap for the screen's pixel ratio, and redraw what was there.
    const resize = () => {
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      const kept = p.toData();
      c.width = c.offsetWidth * ratio;
      c.height = c.offsetHeight * ratio;
      const ctx = c.getContext('2d');
      if (ctx) ctx.scale(ratio, ratio);
      p.clear();
      if (kept.length) p.fromData(kept);
    };
    resize();
    window.addEventListener('resize', resize);
    p.addEventListener('beginStroke', () => setMsg(null));
    return () => { window.removeEventListener('resize', resize); p.off(); pad.current = null; };
  }, [made]);

  const chosenPrinter = usable.filter((p) => p.id === printerId)[0] || null;

  async function done() {
    const p = pad.current;
    if (!p || p.isEmpty()) { setMsg(t('prSignEmpty')); return; }
    const strokes = inkOf(p.toData());
    if (tooLittleInk(strokes)) { setMsg(t('prSignDot')); return; }
    const g = parseGifts(gifts);
    if ('bad' in g) { setMsg(t('prGiftBad', { n: g.bad })); return; }
    setBusy(true);
    setMsg(null);
    try {
      // With a store printer the slip prints in that printer's language; otherwise in the cashier's.
      const body = { strokes, ...(g.gifts.length ? { gifts: g.gifts } : {}), ...(chosenPrinter ? { printerId: chosenPrinter.id } : { lang }) };
      // The same signature sent again (after no answer) is the same record and the same print.
      const r = await call<Made>(client, 'POST', `/v1/payments/${encodeURIComponent(paymentId)}/verification-receipts`, body);
      setPrinterNow(chosenPrinter);
      setMade(r);
    } catch (e) {
      setMsg(e instanceof ApiError ? e.message : e instanceof NetworkError ? t('prSignNoAnswer') : String(e));
    }
    setBusy(false);
  }

  // Signing on the customer display: the POS puts the payment on it, then watches for the record the
  // display's signature makes, and prints it on the chosen store printer (one print per key).
  async function signOnDisplay() {
    const g = parseGifts(gifts);
    if ('bad' in g) { setMsg(t('prGiftBad', { n: g.bad })); return; }
    const pay = paid.filter((x) => x.id === paymentId)[0];
    if (!pay) return;
    setMsg(null);
    const since = Date.now();
    setOnDisplay(since);
    pushDisplay(client, { view: 'sign', paymentId: pay.id, amount: pay.amount, currency: pay.currency, ...(g.gifts.length ? { gifts: g.gifts } : {}) });
  }
  useEffect(() => {
    if (onDisplay === null) return undefined;
    let live = true;
    const printKey = `vr-print-${paymentId}-${onDisplay}`;
    const look = async () => {
      try {
        const r = await call<{ data: Array<{ id: string; code: string; url: string; createdAt: string }> }>(client, 'GET', `/v1/merchants/${encodeURIComponent(sale.merchantId)}/verification-receipts?paymentId=${encodeURIComponent(paymentId)}`);
        const fresh = r.data.filter((x) => Date.parse(x.createdAt) >= onDisplay - 5000)[0];
        if (!fresh || !live) return;
        let jobs: PrintJob[] = [];
        if (chosenPrinter) {
          jobs = (await call<{ data: PrintJob[] }>(client, 'POST', `/v1/printers/${encodeURIComponent(chosenPrinter.id)}/print`, { verificationId: fresh.id }, { 'idempotency-key': printKey })).data;
        }
        if (!live) return;
        setPrinterNow(chosenPrinter);
        setMade({ id: fresh.id, code: fresh.code, url: fresh.url, jobs });
        setOnDisplay(null);
        const pay = paid.filter((x) => x.id === paymentId)[0];
        if (pay) pushDisplay(client, { view: 'result', paymentId: pay.id, amount: pay.amount, currency: pay.currency });
      } catch { /* no answer: look again */ }
    };
    const timer = setInterval(() => void look(), 1500);
    return () => { live = false; clearInterval(timer); };
  }, [onDisplay]);

  if (onDisplay !== null && !made) {
    return (
      <div class="sign" id="sign-waiting">
        <section class="card">
          <h1>{t('prSignOnDisplay')}</h1>
          <p class="muted">{t('prSignOnDisplayWait')}</p>
          <button type="button" id="sign-display-stop" onClick={() => { setOnDisplay(null); pushDisplay(client, { view: 'idle' }); }}>{t('cancel')}</button>
        </section>
      </div>
    );
  }

  if (!paid.length) {
    return (
      <div class="sign" id="sign">
        <section class="card"><p class="error" role="alert">{t('prNoPaid')}</p><button type="button" onClick={onBack}>{t('cancel')}</button></section>
      </div>
    );
  }

  if (made) {
    return (
      <div class="sign" id="sign-result">
        <section class="card">
          <h1>{t('prCode')}</h1>
          <p class="sign-code" id="sign-code">{made.code}</p>
          <p class="muted">{t('prCheckAt')}</p>
          <QrCode value={made.url} size={220} />
          <p class="sign-url" id="sign-url">{made.url}</p>
        </section>
        <section class="card">
          {printerNow && made.jobs.length ? (
            <JobState t={t} client={client} merchantId={sale.merchantId} printer={printerNow} jobs={made.jobs}
              onPoll={() => { void call<{ data: StorePrinter[] }>(client, 'GET', `/v1/merchants/${encodeURIComponent(sale.merchantId)}/printers`).then((r) => { const x = r.data.filter((q) => q.id === printerNow.id)[0]; if (x) setPrinterNow(x); }, () => undefined); }} />
          ) : <p class="muted">{t('prNotPrinted')}</p>}
          <LocalPrintButton t={t} client={client} id="sign-local-print" path={(s) => verificationReceiptPath(made.id, s, printerNow ? printerNow.lang : lang)} />
          <button type="button" class="primary" id="sign-finish" onClick={onBack}>{t('prFinish')}</button>
        </section>
      </div>
    );
  }

  const setGift = (i: number, patch: Partial<GiftLine>) => setGifts(gifts.map((g, j) => (j === i ? { ...g, ...patch } : g)));
  return (
    <div class="sign" id="sign">
      <section class="card">
        <h1>{t('prSignTitle')}</h1>
        <p class="muted">{t('prSignHint')} {formatAmount(lang, sale.amount, sale.currency)}</p>
        <canvas ref={canvas} class="sign-pad" id="sign-pad" />
        {msg ? <p class="error" role="alert" id="sign-error">{msg}</p> : null}
        <div class="sign-buttons">
          <button type="button" id="sign-back" onClick={onBack}>{t('cancel')}</button>
          <button type="button" id="sign-clear" onClick={() => { if (pad.current) pad.current.clear(); setMsg(null); }}>{t('prClear')}</button>
          <button type="button" class="primary" id="sign-done" disabled={busy || !paymentId} onClick={() => void done()}>{busy ? t('prSaving') : t('prDone')}</button>
        </div>
        <button type="button" id="sign-on-display" disabled={busy || !paymentId} onClick={() => void signOnDisplay()}>{t('prSignOnDisplay')}</button>
      </section>
      <section class="card">
        {paid.length > 1 ? (
          <label>{t('prTender')}
            <select name="sign-payment" value={paymentId} onChange={(e) => setPaymentId(e.currentTarget.value)}>
              {paid.map((p: Tender) => <option key={p.id} value={p.id}>{walletName(t, p.channel)} {formatAmount(lang, p.amount, p.currency)}</option>)}
            </select>
          </label>
        ) : null}
        <label>{t('prPrintOn')}
          <select name="sign-printer" value={printerId} onChange={(e) => setPrinterId(e.currentTarget.value)}>
            {usable.map((p) => <option key={p.id} value={p.id}>{p.name} ({statusWord(t, p)})</option>)}
            <option value="">{t('prNoStorePrinter')}</option>
          </select>
        </label>
        <h2>{t('prGifts')}</h2>
        {gifts.map((g, i) => (
          <div class="gift-row" key={i}>
            <input name="gift-name" maxLength={64} placeholder={t('prGiftName')} aria-label={t('prGiftName')} value={g.name} onInput={(e) => setGift(i, { name: e.currentTarget.value })} />
            <input name="gift-qty" inputMode="numeric" aria-label={t('prGiftQty')} value={g.quantity} onInput={(e) => setGift(i, { quantity: e.currentTarget.value })} />
            <button type="button" class="gift-remove" onClick={() => setGifts(gifts.filter((_, j) => j !== i))}>{t('prRemoveGift')}</button>
          </div>
        ))}
        {gifts.length < 20 ? <button type="button" id="add-gift" onClick={() => setGifts([...gifts, { name: '', quantity: '1' }])}>{t('prAddGift')}</button> : null}
      </section>
    </div>
  );
}
