import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, type Session, type TerminalInfo } from './api.ts';
import { DICTS, LANGS, LANG_NAMES, acceptLanguage, pickLang, translate, type Lang } from './i18n.ts';
import { K_LANG, K_SESSION, K_TOKEN, load, save } from './local.ts';
import type { T } from './t.ts';
import { Login } from './screens/login.tsx';
import { Pair } from './screens/pair.tsx';
import { Pay } from './screens/pay.tsx';
import { Sale, type Attempt } from './screens/sale.tsx';
import './style.css';

function initialLang(): Lang {
  const saved = load(K_LANG);
  if (saved && (LANGS as readonly string[]).indexOf(saved) >= 0) return saved as Lang;
  return pickLang(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
}

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

render(<App />, document.getElementById('app')!);
