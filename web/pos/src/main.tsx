import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, FINAL_STATES, call, randomId, streamPayment, type Client, type Payment, type Session, type TerminalInfo } from './api.ts';
import { parseAmount } from './amount.ts';
import { DICTS, LANGS, LANG_NAMES, acceptLanguage, formatAmount, pickLang, translate, type Key, type Lang } from './i18n.ts';
import { listenForScanner } from './scanner.ts';
import { QrCode } from './qr.tsx';
import './style.css';

const K_TOKEN = 'saoma.pos.token';
const K_LANG = 'saoma.pos.lang';
const K_OPERATOR = 'saoma.pos.operator';
const K_SESSION = 'saoma.pos.session';

function load(key: string, store: Storage = localStorage): string | null {
  try { return store.getItem(key); } catch { return null; }
}
function save(key: string, value: string | null, store: Storage = localStorage): void {
  try { if (value === null) store.removeItem(key); else store.setItem(key, value); } catch { /* private mode: kept in memory only */ }
}

function initialLang(): Lang {
  const saved = load(K_LANG);
  if (saved && (LANGS as readonly string[]).indexOf(saved) >= 0) return saved as Lang;
  return pickLang(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
}

type T = (key: Key, vars?: Record<string, string | number>) => string;

/** What one payment attempt sends: its idempotency key and body never change across retries. */
interface Attempt { key: string; body: { outTradeNo: string; amount: number; currency: 'CNY'; method: 'dynamic_qr' | 'payment_code'; channel?: string; authCode?: string } }

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [token, setToken] = useState<string | null>(() => load(K_TOKEN));
  const [terminal, setTerminal] = useState<TerminalInfo | null>(null);
  const [session, setSession] = useState<Session | null>(() => {
    const s = load(K_SESSION, sessionStorage);
    try { return s ? (JSON.parse(s) as Session) : null; } catch { return null; }
  });
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const [bootError, setBootError] = useState<string | null>(null);
  const t: T = (key, vars) => translate(lang, key, vars);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = DICTS[lang].appTitle;
    save(K_LANG, lang);
  }, [lang]);

  useEffect(() => {
    if (!token) return;
    setBootError(null);
    call<TerminalInfo>({ token, lang: acceptLanguage(lang) }, 'GET', '/v1/terminal')
      .then(setTerminal)
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) { save(K_TOKEN, null); setToken(null); }
        setBootError(e instanceof ApiError ? e.message : t('networkError'));
      });
  }, [token]);

  const logout = () => { save(K_SESSION, null, sessionStorage); setSession(null); setAttempt(null); };
  const unpair = () => { logout(); save(K_TOKEN, null); setToken(null); setTerminal(null); };

  let screen;
  if (!token) {
    screen = <Pair t={t} lang={lang} error={bootError} onPaired={(tok, info) => { save(K_TOKEN, tok); setTerminal(info); setToken(tok); }} />;
  } else if (!terminal) {
    screen = <p class="muted">{bootError ?? t('loading')}</p>;
  } else if (!session || Date.parse(session.expiresAt) < Date.now()) {
    screen = <Login t={t} client={{ token, lang: acceptLanguage(lang) }} terminal={terminal} onLogin={(s) => { save(K_SESSION, JSON.stringify(s), sessionStorage); setSession(s); }} />;
  } else if (!attempt) {
    screen = <Sale t={t} lang={lang} onStart={setAttempt} />;
  } else {
    screen = <Pay t={t} lang={lang} client={{ token: session.token, lang: acceptLanguage(lang) }} attempt={attempt} onDone={() => setAttempt(null)} onAuthLost={logout} />;
  }

  return (
    <div class="shell">
      <header>
        <strong>{t('appTitle')}</strong>
        {session && token && terminal ? <span class="muted">{session.operator.name}</span> : null}
        <span class="grow" />
        <span class="langs" role="group" aria-label={t('language')}>
          {LANGS.map((l) => (
            <button type="button" key={l} class={l === lang ? 'on' : ''} data-lang={l} onClick={() => setLang(l)}>{LANG_NAMES[l]}</button>
          ))}
        </span>
        {session && !attempt ? <button type="button" class="link" onClick={logout}>{t('logout')}</button> : null}
        {token && !session ? <button type="button" class="link" onClick={unpair}>{t('unpair')}</button> : null}
      </header>
      <main>{screen}</main>
    </div>
  );
}

function Pair({ t, lang, error, onPaired }: { t: T; lang: Lang; error: string | null; onPaired(token: string, info: TerminalInfo): void }) {
  const [value, setValue] = useState('');
  const [msg, setMsg] = useState<string | null>(error);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const tok = value.trim();
    if (tok.indexOf('term_') !== 0) { setMsg(t('pairBadToken')); return; }
    setBusy(true);
    try {
      onPaired(tok, await call<TerminalInfo>({ token: tok, lang: acceptLanguage(lang) }, 'GET', '/v1/terminal'));
    } catch (err) {
      setMsg(err instanceof ApiError ? err.message : t('networkError'));
    } finally { setBusy(false); }
  };
  return (
    <form class="card" id="pair" onSubmit={submit}>
      <h1>{t('pairTitle')}</h1>
      <p class="muted">{t('pairHelp')}</p>
      <label>{t('pairToken')}<input name="token" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} /></label>
      {msg ? <p class="error" role="alert">{msg}</p> : null}
      <button type="submit" class="primary" disabled={busy}>{t('pairButton')}</button>
    </form>
  );
}

function Login({ t, client, terminal, onLogin }: { t: T; client: Client; terminal: TerminalInfo; onLogin(s: Session): void }) {
  const first = terminal.operators[0]?.id ?? '';
  const remembered = load(K_OPERATOR);
  const [operatorId, setOperatorId] = useState(remembered && terminal.operators.some((o) => o.id === remembered) ? remembered : first);
  const [pin, setPin] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!pin) { setMsg(t('pinRequired')); return; }
    setBusy(true);
    setMsg(null);
    try {
      const s = await call<Session>(client, 'POST', '/v1/operators/login', { operatorId, pin });
      save(K_OPERATOR, operatorId);
      onLogin(s);
    } catch (err) {
      setPin('');
      setMsg(err instanceof ApiError ? err.message : t('networkError'));
    } finally { setBusy(false); }
  };
  return (
    <form class="card" id="login" onSubmit={submit}>
      <h1>{t('loginTitle')}</h1>
      <label>{t('operator')}
        <select name="operator" value={operatorId} onChange={(e) => setOperatorId((e.target as HTMLSelectElement).value)}>
          {terminal.operators.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        </select>
      </label>
      <label>{t('pin')}<input name="pin" type="password" inputMode="numeric" autoComplete="off" value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} /></label>
      {msg ? <p class="error" role="alert">{msg}</p> : null}
      <button type="submit" class="primary" disabled={busy}>{t('loginButton')}</button>
    </form>
  );
}

const KEYS = ['7', '8', '9', '4', '5', '6', '1', '2', '3', '00', '0', '.'];

function Sale({ t, lang, onStart }: { t: T; lang: Lang; onStart(a: Attempt): void }) {
  const [amount, setAmount] = useState('');
  const [mode, setMode] = useState<'amount' | 'scan'>('amount');
  const [code, setCode] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const amountRef = useRef<HTMLInputElement>(null);
  const live = useRef({ amount, mode });
  live.current.amount = amount;
  live.current.mode = mode;

  const checked = (text: string): number | null => {
    const r = parseAmount(text);
    if (!r.ok) { setMsg(t(r.reason)); return null; }
    setMsg(null);
    return r.minor;
  };
  const start = (minor: number, method: 'dynamic_qr' | 'payment_code', authCode?: string) => {
    const outTradeNo = randomId('POS');
    onStart({
      key: randomId('pos-'),
      body: method === 'dynamic_qr'
        ? { outTradeNo, amount: minor, currency: 'CNY', method, channel: 'sandbox' }
        : { outTradeNo, amount: minor, currency: 'CNY', method, authCode: authCode! },
    });
  };

  useEffect(() => {
    amountRef.current?.focus();
    // A scanner gun types into the focused amount field: take its digits back out, then charge the code.
    return listenForScanner({
      acceptSlow: () => live.current.mode === 'scan',
      onScan: (scanned) => {
        const field = amountRef.current?.value ?? live.current.amount;
        const before = field.slice(-scanned.length) === scanned ? field.slice(0, -scanned.length) : field;
        setAmount(before);
        setCode('');
        const minor = checked(before);
        if (minor !== null) start(minor, 'payment_code', scanned);
      },
    });
  }, []);

  const press = (k: string) => {
    setMsg(null);
    setAmount((a) => (a + k).slice(0, 16));
    amountRef.current?.focus();
  };
  const parsed = parseAmount(amount);

  return (
    <div class="sale">
      <section class="card">
        <label>{t('amountLabel')}
          <input ref={amountRef} id="amount" name="amount" inputMode="decimal" autoComplete="off" placeholder="0.00" value={amount}
            onInput={(e) => { setMsg(null); setAmount((e.target as HTMLInputElement).value); }} />
        </label>
        <div class="big" aria-live="polite">{parsed.ok ? formatAmount(lang, parsed.minor) : '\u00a0'}</div>
        {msg ? <p class="error" role="alert" id="sale-error">{msg}</p> : null}
        <div class="keypad">
          {KEYS.map((k) => <button type="button" key={k} onClick={() => press(k)}>{k}</button>)}
          <button type="button" onClick={() => { setAmount((a) => a.slice(0, -1)); amountRef.current?.focus(); }}>⌫</button>
          <button type="button" onClick={() => { setAmount(''); setMsg(null); amountRef.current?.focus(); }}>{t('clear')}</button>
        </div>
      </section>
      <section class="card actions">
        <button type="button" class="primary" id="show-qr" onClick={() => { const m = checked(amount); if (m !== null) start(m, 'dynamic_qr'); }}>{t('showQr')}</button>
        <button type="button" id="scan-code" onClick={() => { setMode(mode === 'scan' ? 'amount' : 'scan'); setMsg(null); }}>{t('scanCode')}</button>
        {mode === 'scan' ? (
          <form onSubmit={(e) => {
            e.preventDefault();
            const c = code.replace(/\s+/g, '');
            if (!c) { setMsg(t('codeRequired')); return; }
            const m = checked(amount);
            if (m !== null) start(m, 'payment_code', c);
          }}>
            <p class="muted">{t('scanHelp')}</p>
            <label>{t('codeLabel')}<input id="code" name="code" inputMode="numeric" autoComplete="off" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} /></label>
            <button type="submit" class="primary" id="charge">{t('charge')}</button>
          </form>
        ) : null}
      </section>
    </div>
  );
}

type View = 'sending' | 'waiting' | 'paying' | 'unknown' | 'succeeded' | 'failed' | 'closed' | 'reversed' | 'refused';
const VIEW_KEY: Record<Exclude<View, 'refused'>, Key> = {
  sending: 'stateSending', waiting: 'stateWaiting', paying: 'statePaying', unknown: 'stateUnknown',
  succeeded: 'statePaid', failed: 'stateFailed', closed: 'stateClosed', reversed: 'stateReversed',
};

/** The honest view of a payment: only the server's `succeeded` is ever shown as paid. */
function viewOf(p: Payment | null, linkLost: boolean): View {
  if (!p) return linkLost ? 'unknown' : 'sending';
  switch (p.state) {
    case 'succeeded': case 'failed': case 'closed': case 'reversed': return p.state;
    case 'unknown': return 'unknown';
    case 'waiting_customer': return linkLost ? 'unknown' : p.method === 'payment_code' ? 'paying' : 'waiting';
    default: return linkLost ? 'unknown' : p.method === 'dynamic_qr' ? 'waiting' : 'sending';
  }
}

function Pay({ t, lang, client, attempt, onDone, onAuthLost }: { t: T; lang: Lang; client: Client; attempt: Attempt; onDone(): void; onAuthLost(): void }) {
  const [payment, setPayment] = useState<Payment | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const [refusedStatus, setRefusedStatus] = useState(0);
  const [linkLost, setLinkLost] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const alive = useRef(true);
  const latest = useRef<Payment | null>(null);

  const accept = (p: Payment) => {
    // States only move forward: a late, older answer never replaces a final one.
    if (latest.current && FINAL_STATES.indexOf(latest.current.state) >= 0) return;
    latest.current = p;
    setPayment(p);
  };
  const refresh = async (ask: boolean) => {
    const p = latest.current;
    if (!p) return;
    try {
      if (ask) await call(client, 'POST', `/v1/payments/${encodeURIComponent(p.id)}/query`, undefined, { 'idempotency-key': randomId('q-') }).catch((e: unknown) => { if (!(e instanceof ApiError)) throw e; });
      accept(await call<Payment>(client, 'GET', `/v1/payments/${encodeURIComponent(p.id)}`));
      setLinkLost(false);
    } catch { setLinkLost(true); }
  };

  useEffect(() => {
    alive.current = true;
    let stop = () => undefined as void;
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    (async () => {
      // 1. Create, retrying with the same key and body until the server answers.
      let created: Payment | null = null;
      while (alive.current && !created) {
        try {
          created = await call<Payment>(client, 'POST', '/v1/payments', attempt.body, { 'idempotency-key': attempt.key });
          setNote(null);
          setLinkLost(false);
        } catch (e) {
          if (e instanceof ApiError && e.code !== 'idempotency_in_progress' && e.status !== 429) { setRefusedStatus(e.status); setRefused(e.message); return; }
          setLinkLost(true);
          setNote(t('networkError'));
          await sleep(2000);
        }
      }
      if (!created) return;
      accept(created);
      // 2. Follow it live until final; a dropped stream means "unknown" until a query or the stream answers again.
      while (alive.current && latest.current && FINAL_STATES.indexOf(latest.current.state) < 0) {
        const s = streamPayment(client, created.id, (p) => { accept(p); setLinkLost(false); setNote(null); });
        stop = s.stop;
        try { await s.done; } catch { /* link dropped */ }
        if (!alive.current || (latest.current && FINAL_STATES.indexOf(latest.current.state) >= 0)) break;
        setNote(t('reconnecting'));
        await refresh(false);
        await sleep(1500);
      }
    })();
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => { alive.current = false; stop(); clearInterval(tick); };
  }, []);

  const view: View = refused ? 'refused' : viewOf(payment, linkLost);
  const final = view === 'succeeded' || view === 'failed' || view === 'closed' || view === 'reversed' || view === 'refused';
  const left = payment?.expiresAt ? Math.max(0, Math.floor((Date.parse(payment.expiresAt) - now) / 1000)) : null;
  const showQr = payment && payment.method === 'dynamic_qr' && payment.qrCode && !final;

  return (
    <div class={`pay view-${view}`}>
      <section class="card center">
        {showQr ? (
          <div class="qrbox">
            <QrCode value={payment.qrCode!} size={320} />
            {left !== null ? <p class="muted" id="expiry">{left > 0 ? t('expiresIn', { s: left }) : t('expired')}</p> : null}
          </div>
        ) : null}
        <div class="side">
          <div class="big">{formatAmount(lang, attempt.body.amount)}</div>
          {showQr ? <p>{t('scanToPay')}</p> : null}
          <p id="status" class="status" data-state={view} role="status">{view === 'refused' ? refused : t(VIEW_KEY[view])}</p>
          {payment && (view === 'failed' || view === 'closed') && payment.failureMessage ? <p class="muted">{payment.failureMessage}</p> : null}
          {note && !final ? <p class="muted">{note}</p> : null}
          <div class="row">
            {payment && !final ? <button type="button" id="query-now" onClick={() => void refresh(true)}>{t('queryNow')}</button> : null}
            {final ? <button type="button" class="primary" id="new-sale" onClick={refusedStatus === 401 ? onAuthLost : onDone}>{view === 'refused' ? t('cancel') : t('newSale')}</button> : null}
          </div>
        </div>
      </section>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
