import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DisplayState } from './state.ts';
import { QrCode } from '../../pos/src/qr.tsx';
import { playPaid, primeAudio, setSoundOn, soundOn } from '../../pos/src/announce.tsx';
import { DICTS, LANGS, LANG_NAMES, formatAmount, pickLang, translate, type Key, type Lang } from './i18n.ts';
import { openFeed, type DisplayPayment, type FeedStatus } from './feed.ts';
import './style.css';

const K_TOKEN = 'saoma.display.token';
const K_SOUND = 'saoma.display.sound';
const FINAL_FAILED = ['failed', 'closed', 'reversed'];
/** Payments remembered by id: enough for a busy counter's recent ones, never an unbounded list. */
const MAX_PAYMENTS = 50;
const STALE_NEWS_MS = 60_000;

type T = (key: Key, vars?: Record<string, string | number>) => string;

function store(key: string, value: string | null): void {
  try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch { /* private mode */ }
}

/**
 * The pairing token arrives in the URL fragment (never sent to a server). It is kept on the device so a
 * reload or a reboot finds it, and taken out of the address bar, which the customer may be able to see.
 */
function takeToken(): string | null {
  const fromHash = location.hash.replace(/^#/, '');
  if (/^disp_[\w.-]+$/.test(fromHash)) {
    store(K_TOKEN, fromHash);
    try { history.replaceState(null, '', location.pathname + location.search); } catch { /* old WebView: leave it */ }
    return fromHash;
  }
  try { return localStorage.getItem(K_TOKEN); } catch { return null; }
}

function browserLang(): Lang {
  return pickLang(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
}

function useViewport(): { w: number; h: number } {
  const [size, setSize] = useState({ w: window.innerWidth, h: window.innerHeight });
  useEffect(() => {
    const on = () => setSize({ w: window.innerWidth, h: window.innerHeight });
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return size;
}

function mmss(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const sec = s % 60;
  return `${Math.floor(s / 60)}:${sec < 10 ? '0' : ''}${sec}`;
}

function Result({ t, lang, payment, amount, currency }: { t: T; lang: Lang; payment: DisplayPayment | null; amount: number; currency: string }) {
  // Paid only on the server's word: the payment event, never the POS's push.
  const state = payment ? payment.state : 'pending';
  if (state === 'succeeded') {
    return (
      <section id="result" class="result ok" data-state="succeeded">
        <div class="mark">✓</div>
        <p class="headline">{t('paid')}</p>
        <p id="amount" class="amount">{formatAmount(lang, payment!.amount, payment!.currency)}</p>
        <p class="sub">{t('thanks')}</p>
      </section>
    );
  }
  if (FINAL_FAILED.indexOf(state) >= 0) {
    return (
      <section id="result" class="result bad" data-state={state}>
        <div class="mark">✕</div>
        <p class="headline">{t('notPaid')}</p>
        <p class="sub">{t('notPaidHelp')}</p>
      </section>
    );
  }
  return (
    <section id="result" class="result wait" data-state={state}>
      <div class="spinner" aria-hidden="true" />
      <p class="headline">{t('processing')}</p>
      <p id="amount" class="amount">{formatAmount(lang, amount, currency)}</p>
    </section>
  );
}

function Sale({ t, lang, s }: { t: T; lang: Lang; s: Extract<DisplayState, { view: 'sale' }> }) {
  return (
    <section class="sale">
      <ul id="items" class="items">
        {s.items.map((it, i) => (
          <li key={i}>
            <span class="name">{it.name}</span>
            <span class="qty">{t('line', { q: it.quantity, price: formatAmount(lang, it.unitPrice, s.currency) })}</span>
            <span class="sum">{formatAmount(lang, it.quantity * it.unitPrice, s.currency)}</span>
          </li>
        ))}
        {s.truncated && <li class="more">{t('moreLines')}</li>}
      </ul>
      <div class="totals">
        <p class="label">{s.paid > 0 ? t('due') : t('total')}</p>
        <p id="amount" class="amount">{formatAmount(lang, s.paid > 0 ? s.due : s.amount, s.currency)}</p>
        {s.paid > 0 && <p class="sub">{t('total')} {formatAmount(lang, s.amount, s.currency)} · {t('paidSoFar')} {formatAmount(lang, s.paid, s.currency)}</p>}
      </div>
    </section>
  );
}

function Qr({ t, lang, s, payment, now, vw, vh }: { t: T; lang: Lang; s: Extract<DisplayState, { view: 'qr' }>; payment: DisplayPayment | null; now: number; vw: number; vh: number }) {
  if (payment && (payment.state === 'succeeded' || FINAL_FAILED.indexOf(payment.state) >= 0)) {
    return <Result t={t} lang={lang} payment={payment} amount={s.amount} currency={s.currency} />;
  }
  const left = s.expiresAt ? Date.parse(s.expiresAt) - now : null;
  const expired = left !== null && left <= 0;
  const portrait = vh > vw;
  // As large as the screen allows: the customer's phone reads it from arm's length.
  const size = Math.max(160, Math.floor(portrait ? Math.min(vw - 48, vh * 0.52) : Math.min(vh - 96, vw * 0.48)));
  return (
    <section class="pay">
      <div class="side">
        <p class="label">{t('due')}</p>
        <p id="amount" class="amount">{formatAmount(lang, s.amount, s.currency)}</p>
        <p class="sub">{expired ? '' : t('scanToPay')}</p>
        {left !== null && <p id="countdown" class={expired ? 'sub warn' : 'sub'}>{expired ? t('expired') : t('expiresIn', { time: mmss(left) })}</p>}
      </div>
      <div class="qrbox">{expired ? <div class="qr-gone" style={`width:${size}px;height:${size}px`}>⌛</div> : <QrCode value={s.qrCode} size={size} />}</div>
    </section>
  );
}

/**
 * The customer signs here for a paid payment the cashier chose (验证收据). signature_pad loads only
 * now; the signature goes to the server with this display's token, which accepts it only for the
 * payment the POS put on screen.
 */
function Sign({ t, lang, s, token }: { t: T; lang: Lang; s: Extract<DisplayState, { view: 'sign' }>; token: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<{ isEmpty(): boolean; clear(): void; off(): void; toData(): Array<{ points: Array<{ x: number; y: number; time: number; pressure: number }> }> } | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  useEffect(() => {
    let live = true;
    setDone(false);
    setMsg(null);
    void import('signature_pad').then(({ default: SignaturePad }) => {
      const c = canvas.current;
      if (!live || !c) return;
      // As signature_pad's README says: a bitmap sized for the screen's pixel ratio.
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      c.width = c.offsetWidth * ratio;
      c.height = c.offsetHeight * ratio;
      c.getContext('2d')!.scale(ratio, ratio);
      pad.current = new SignaturePad(c, { backgroundColor: 'rgb(255,255,255)', minWidth: 1.5, maxWidth: 4 });
    });
    return () => { live = false; if (pad.current) pad.current.off(); pad.current = null; };
  }, [s.paymentId]);
  const submit = async () => {
    const p = pad.current;
    if (!p || p.isEmpty()) { setMsg(t('signEmpty')); return; }
    const strokes = p.toData().map((g) => ({ points: g.points.map((pt) => ({ x: pt.x, y: pt.y, time: pt.time, pressure: pt.pressure })) }));
    setBusy(true);
    setMsg(null);
    try {
      const r = await fetch('/v1/display/signature', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-language': lang },
        body: JSON.stringify({ paymentId: s.paymentId, strokes }),
      });
      if (r.ok) setDone(true);
      else {
        const e = (await r.json().catch(() => null)) as { error?: { message?: string } } | null;
        setMsg((e && e.error && e.error.message) || t('signFailed'));
      }
    } catch {
      setMsg(t('signFailed'));
    } finally { setBusy(false); }
  };
  if (done) return <section class="notice" id="signed"><p class="headline">{t('signThanks')}</p></section>;
  return (
    <section class="signing">
      <p class="headline" id="sign-title">{t('signTitle', { amount: formatAmount(lang, s.amount, s.currency) })}</p>
      {s.gifts && s.gifts.length ? <p class="sub">{t('signGifts', { gifts: s.gifts.map((g) => `${g.name} ×${g.quantity}`).join(', ') })}</p> : null}
      <canvas ref={canvas} id="sign-pad" class="sign-pad" />
      {msg ? <p class="error" role="alert" id="sign-error">{msg}</p> : null}
      <div class="sign-buttons">
        <button type="button" id="sign-clear" onClick={() => { if (pad.current) pad.current.clear(); setMsg(null); }}>{t('signClear')}</button>
        <button type="button" id="sign-done" class="primary" disabled={busy} onClick={() => void submit()}>{t('signDone')}</button>
      </div>
    </section>
  );
}

function App({ token }: { token: string | null }) {
  const [lang, setLang] = useState<Lang>(browserLang);
  const [status, setStatus] = useState<FeedStatus>(token ? 'connecting' : 'unpaired');
  const [state, setState] = useState<DisplayState | null>(null);
  const [payments, setPayments] = useState<Record<string, DisplayPayment>>({});
  const [sound, setSound] = useState(() => soundOn(K_SOUND));
  const [skew, setSkew] = useState(0);
  const [now, setNow] = useState(Date.now());
  const announced = useRef<Record<string, true>>({});
  const { w, h } = useViewport();
  const t: T = (key, vars) => translate(lang, key, vars);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = DICTS[lang].title;
  }, [lang]);

  useEffect(() => {
    if (!token) return undefined;
    return openFeed(token, {
      status: setStatus,
      skew: setSkew,
      display: (s) => {
        setState(s);
        // A new customer starts in the screen's own language, whatever the last one chose.
        if (s.view === 'idle') setLang(browserLang());
      },
      payment: (p) => setPayments((all) => {
        const had = all[p.id];
        if (had && had.updatedAt > p.updatedAt) return all;
        const next: Record<string, DisplayPayment> = { ...all, [p.id]: p };
        const ids = Object.keys(next);
        if (ids.length > MAX_PAYMENTS) delete next[ids[0]!];
        return next;
      }),
    });
  }, [token]);

  const focusId = state && (state.view === 'qr' || state.view === 'result') ? state.paymentId : null;
  const focus = focusId ? payments[focusId] ?? null : null;

  // 到账: once per payment, when the server says the payment on screen succeeded.
  useEffect(() => {
    if (!focus || focus.state !== 'succeeded' || announced.current[focus.id]) return;
    announced.current[focus.id] = true;
    // A reload long after the sale shows it paid, silently: the chime is news, not history.
    if (Date.parse(focus.updatedAt) < Date.now() + skew - STALE_NEWS_MS) return;
    if (sound) playPaid(lang, focus.amount);
  }, [focus && focus.id, focus && focus.state]);

  useEffect(() => {
    if (!state || state.view !== 'qr') return undefined;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [state && state.view]);

  let body;
  if (status === 'unpaired') body = <section class="notice" id="unpaired"><p class="headline">{t('title')}</p><p class="sub">{t('unpaired')}</p></section>;
  else if (!state) body = <section class="notice"><div class="spinner" aria-hidden="true" /><p class="headline">{t('connecting')}</p></section>;
  else if (state.view === 'sale') body = <Sale t={t} lang={lang} s={state} />;
  else if (state.view === 'qr') body = <Qr t={t} lang={lang} s={state} payment={focus} now={now + skew} vw={w} vh={h} />;
  else if (state.view === 'result') body = <Result t={t} lang={lang} payment={focus} amount={state.amount} currency={state.currency} />;
  else if (state.view === 'sign' && token) body = <Sign t={t} lang={lang} s={state} token={token} />;
  else if (state.view === 'change') {
    body = (
      <section class="change">
        <p class="label">{t('total')} <span>{formatAmount(lang, state.amount, state.currency)}</span></p>
        <p class="label">{t('cashReceived')} <span>{formatAmount(lang, state.tendered, state.currency)}</span></p>
        <p class="label strong">{t('change')}</p>
        <p id="amount" class="amount">{formatAmount(lang, state.change, state.currency)}</p>
      </section>
    );
  } else body = <section class="notice idle"><p class="headline welcome">{t('welcome')}</p><p class="sub">{t('welcomeSub')}</p></section>;

  const view = status === 'unpaired' ? 'unpaired' : state ? state.view : 'none';
  return (
    <div class={`shell ${h > w ? 'portrait' : 'landscape'}`} id="view" data-view={view} onPointerDown={primeAudio}>
      <header>
        <span id="status" data-status={status} class={`pill ${status}`}>{status === 'live' ? t('live') : status === 'connecting' ? t('connecting') : ''}</span>
        <span class="grow" />
        <button type="button" id="sound" class="chip" aria-pressed={sound}
          onClick={() => { primeAudio(); setSoundOn(!sound, K_SOUND); setSound(!sound); }}>{sound ? t('soundOn') : t('soundOff')}</button>
        <span class="langs" role="group" aria-label={t('language')}>
          {LANGS.map((l) => <button type="button" key={l} data-lang={l} class={l === lang ? 'chip on' : 'chip'} onClick={() => setLang(l)}>{LANG_NAMES[l]}</button>)}
        </span>
      </header>
      <main>{body}</main>
    </div>
  );
}

// A new pairing link opened on the same page changes only the fragment: start over with its token.
window.addEventListener('hashchange', () => { if (location.hash.indexOf('#disp_') === 0) location.reload(); });
render(<App token={takeToken()} />, document.getElementById('app')!);
