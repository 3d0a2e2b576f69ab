import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, type Client, type Session, type TerminalInfo } from './api.ts';
import { setCounter } from './counter.ts';
import { announcePaid } from './announce.tsx';
import { pushDisplay } from './display-link.tsx';
import { DICTS, LANGS, LANG_NAMES, acceptLanguage, pickLang, translate, type Lang } from './i18n.ts';
import { K_LANG, K_SESSION, K_TOKEN, load, save } from './local.ts';
import { Outbox, type OutboxView } from './outbox.ts';
import { displayState } from './sale-display.ts';
import { claimThisTab } from './single-tab.ts';
import type { T } from './t.ts';
import { History } from './screens/history.tsx';
import { Login } from './screens/login.tsx';
import { Pair } from './screens/pair.tsx';
import { Pay, type Mode } from './screens/pay.tsx';
import { Receipt } from './screens/receipt.tsx';
import { Sale, type Start } from './screens/sale.tsx';
import { Settings } from './screens/settings.tsx';
import { ShiftGate, ShiftScreen } from './screens/shift.tsx';
import './style.css';

type Screen = { kind: 'sale' } | { kind: 'history' } | { kind: 'shift' } | { kind: 'settings' } | { kind: 'receipt'; saleId: string };

function initialLang(): Lang {
  const saved = load(K_LANG);
  if (saved && (LANGS as readonly string[]).indexOf(saved) >= 0) return saved as Lang;
  return pickLang(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
}

function loadSession(): Session | null {
  const s = load(K_SESSION, sessionStorage);
  try { return s ? (JSON.parse(s) as Session) : null; } catch { return null; }
}

const live = (s: Session | null): s is Session => !!s && Date.parse(s.expiresAt) > Date.now();

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [token, setToken] = useState<string | null>(() => load(K_TOKEN));
  const [terminal, setTerminal] = useState<TerminalInfo | null>(null);
  const [session, setSession] = useState<Session | null>(loadSession);
  const [bootError, setBootError] = useState<string | null>(null);
  const [screen, setScreen] = useState<Screen>({ kind: 'sale' });
  const [shiftVersion, setShiftVersion] = useState(0);
  const [payMode, setPayMode] = useState<Mode>('cash');
  const [headerMsg, setHeaderMsg] = useState<string | null>(null);
  const [outbox, setOutbox] = useState<Outbox | null>(null);
  const [view, setView] = useState<OutboxView | null>(null);
  const [otherTab, setOtherTab] = useState(false);
  const t: T = (key, vars) => translate(lang, key, vars);

  // The outbox outlives screens and logins: it reads the latest credentials through these refs.
  const creds = useRef({ token, session, lang });
  creds.current = { token, session, lang };
  const clientNow = (): Client | null => {
    const c = creds.current;
    const l = acceptLanguage(c.lang);
    // Replays go on with the device token when no operator is logged in (logout waits for the outbox, a
    // session may expire): the server keys idempotency by terminal, so either token replays the same way.
    if (live(c.session)) return { token: c.session.token, lang: l };
    return c.token ? { token: c.token, lang: l } : null;
  };

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = DICTS[lang].appTitle;
    save(K_LANG, lang);
  }, [lang]);

  useEffect(() => {
    if (!token) return;
    setBootError(null);
    call<TerminalInfo>({ token, lang: acceptLanguage(lang) }, 'GET', '/v1/terminal')
      .then((info) => { setCounter(info); setTerminal(info); })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) { save(K_TOKEN, null); setToken(null); }
        setBootError(e instanceof ApiError ? e.message : t('networkError'));
      });
  }, [token]);

  useEffect(() => {
    if (!token) return;
    let ob: Outbox | null = null;
    let unsub = () => undefined as void;
    let gone = false;
    claimThisTab().then((mine) => {
      if (!mine) { setOtherTab(true); throw new Error('other tab'); }
      return Outbox.open(clientNow, {
        onPaid: (l) => announcePaid(creds.current.lang, l.payment ? l.payment.amount : l.body.amount),
        onAuthLost: () => { save(K_SESSION, null, sessionStorage); setSession(null); },
      });
    }).then(async (o) => {
      if (gone) return;
      ob = o;
      unsub = o.subscribe(() => setView(o.view()));
      setOutbox(o);
      await o.start();
    }).catch((e: unknown) => { if (String((e as Error).message) !== 'other tab') setBootError(String((e as Error).message || e)); });
    return () => { gone = true; unsub(); if (ob) ob.stop(); };
  }, [token]);

  // Leaving the page while something is unsent or a wallet is still moving asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (view && (view.pending > 0 || view.busy)) { e.preventDefault(); e.returnValue = ''; }
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [view]);

  // The customer display follows the sale; the display is a courtesy, so nothing waits on it.
  const shown = useRef('');
  useEffect(() => {
    const c = clientNow();
    if (!c || !view || !view.ready) return;
    const state = displayState(view);
    const json = JSON.stringify(state);
    if (json === shown.current) return;
    shown.current = json;
    pushDisplay(c, state);
  }, [view]);

  const blocked = (): string | null => {
    const v = outbox ? outbox.view() : null;
    if (v && v.pending > 0) return t('logoutBlocked', { n: v.pending });
    if (v && v.busy) return t('logoutBusy');
    return null;
  };
  const logout = () => {
    const why = blocked();
    if (why) { setHeaderMsg(why); return; }
    setHeaderMsg(null);
    save(K_SESSION, null, sessionStorage);
    setSession(null);
    setScreen({ kind: 'sale' });
  };
  const unpair = () => {
    const why = blocked();
    if (why) { setHeaderMsg(why); return; }
    setHeaderMsg(null);
    save(K_SESSION, null, sessionStorage);
    setSession(null);
    save(K_TOKEN, null);
    setToken(null);
    setTerminal(null);
  };

  const loggedIn = !!token && !!terminal && live(session);
  let body;
  if (otherTab) {
    body = <p class="error card" role="alert" id="other-tab">{t('otherTab')}</p>;
  } else if (!token) {
    body = <Pair t={t} lang={lang} error={bootError} onPaired={(tok, info) => { save(K_TOKEN, tok); setCounter(info); setTerminal(info); setToken(tok); }} />;
  } else if (!terminal) {
    body = <p class="muted">{bootError ?? t('loading')}</p>;
  } else if (!live(session)) {
    body = <Login t={t} client={{ token, lang: acceptLanguage(lang) }} terminal={terminal} onLogin={(s) => { save(K_SESSION, JSON.stringify(s), sessionStorage); setHeaderMsg(null); setSession(s); }} />;
  } else if (!outbox || !view || !view.ready) {
    body = <p class="muted">{bootError ?? t('loading')}</p>;
  } else {
    const client: Client = { token: session.token, lang: acceptLanguage(lang) };
    if (screen.kind === 'history') body = <History t={t} lang={lang} client={client} terminal={terminal} onBack={() => setScreen({ kind: 'sale' })} />;
    else if (screen.kind === 'shift') body = <ShiftScreen t={t} lang={lang} client={client} onClosed={() => { setShiftVersion((v) => v + 1); setScreen({ kind: 'sale' }); }} onBack={() => setScreen({ kind: 'sale' })} />;
    else if (screen.kind === 'settings') body = <Settings t={t} lang={lang} client={client} onLang={setLang} onBack={() => setScreen({ kind: 'sale' })} />;
    else if (screen.kind === 'receipt') body = <Receipt t={t} lang={lang} client={client} saleId={screen.saleId} onBack={() => setScreen({ kind: 'sale' })} />;
    else {
      const start: Start = async (s) => {
        setPayMode(s.mode);
        const sale = await outbox.openSale(s.amount, s.items);
        if (s.first) await outbox.addLine(sale.key, { ...s.first, amount: s.amount });
        return sale;
      };
      body = (
        <ShiftGate t={t} lang={lang} client={client} version={shiftVersion}>
          {view.sale
            ? <Pay t={t} lang={lang} outbox={outbox} view={view} mode={payMode} onReceipt={(saleId) => setScreen({ kind: 'receipt', saleId })} />
            : <Sale t={t} lang={lang} onStart={start} />}
        </ShiftGate>
      );
    }
  }

  const nav = (kind: Screen['kind'], label: string) => (
    <button type="button" class={`link${screen.kind === kind ? ' on' : ''}`} id={`nav-${kind}`} onClick={() => { setHeaderMsg(null); setScreen({ kind } as Screen); }}>{label}</button>
  );

  return (
    <div class="shell">
      <header>
        <strong>{t('appTitle')}</strong>
        {loggedIn ? <span class="muted op">{session!.operator.name}</span> : null}
        {view && (view.pending > 0 || view.offline) ? (
          <span id="sync-pending" class="sync" role="status" data-pending={view.pending}>
            {view.offline ? t('offline') : ''}{view.offline && view.pending > 0 ? ' · ' : ''}{view.pending > 0 ? t('pendingSync', { n: view.pending }) : ''}
          </span>
        ) : null}
        <span class="grow" />
        {loggedIn ? <nav class="nav">{nav('sale', t('navSale'))}{nav('history', t('navHistory'))}{nav('shift', t('navShift'))}{nav('settings', t('navSettings'))}</nav> : null}
        <span class="langs" role="group" aria-label={t('language')}>
          {LANGS.map((l) => (
            <button type="button" key={l} class={l === lang ? 'on' : ''} data-lang={l} onClick={() => setLang(l)}>{LANG_NAMES[l]}</button>
          ))}
        </span>
        {loggedIn ? <button type="button" class="link" id="logout" onClick={logout}>{t('logout')}</button> : null}
        {token && !loggedIn ? <button type="button" class="link" id="unpair" onClick={unpair}>{t('unpair')}</button> : null}
      </header>
      {headerMsg ? <p class="error banner" role="alert" id="header-msg">{headerMsg}</p> : null}
      <main>{body}</main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
import './sw-register.ts';
