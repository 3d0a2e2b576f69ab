import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, loadCreds, saveCreds, setApiLanguage, useCreds, type Creds, type Merchant } from './api.ts';
import { DICTS, LANGS, LANG_NAMES, pickLang, translator, type Lang } from './i18n.ts';
import type { Ctx, Store } from './ctx.ts';
import { AREAS } from './areas/index.ts';
import type { Section } from './section.ts';
import './style.css';

const K_LANG = 'saoma.console.lang';
const VISIBLE = AREAS.filter((a) => a.sections.length > 0);
const SECTIONS: readonly Section[] = VISIBLE.flatMap((a) => a.sections);

/** The page the address names (`#/fees`), or the first one. */
function sectionFromHash(): Section {
  const id = location.hash.replace(/^#\/?/, '');
  return SECTIONS.find((s) => s.id === id) ?? SECTIONS[0]!;
}

function initialLang(): Lang {
  let saved: string | null = new URLSearchParams(location.search).get('lang');
  try { saved = saved ?? localStorage.getItem(K_LANG); } catch { /* storage off */ }
  if (saved && (LANGS as readonly string[]).indexOf(saved) >= 0) return saved as Lang;
  return pickLang(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
}

function SignIn({ t, onDone }: { t: Ctx['t']; onDone: (c: Creds, m: Merchant) => void }) {
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const c = { keyId: keyId.trim(), secret: secret.trim() };
    setBusy(true);
    setError(null);
    useCreds(c);
    try {
      const m = await api<Merchant>('GET', '/v1/merchant');
      saveCreds(c);
      onDone(c, m);
    } catch (err) {
      useCreds(null);
      setError(err instanceof ApiError ? `${err.message} (${err.code})` : String(err));
    } finally { setBusy(false); }
  }
  return (
    <form id="signin" class="card signin" onSubmit={submit}>
      <h1>{t('signInTitle')}</h1>
      <p class="hint">{t('signInHint')}</p>
      <label>{t('keyId')}<input name="keyId" autocomplete="username" required value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} /></label>
      <label>{t('secret')}<input name="secret" type="password" autocomplete="current-password" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} /></label>
      {error ? <p role="alert" class="error">{error}</p> : null}
      <button type="submit" class="primary" disabled={busy}>{t('signIn')}</button>
    </form>
  );
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [merchant, setMerchant] = useState<Merchant | null>(null);
  const [stores, setStores] = useState<Store[]>([]);
  const [section, setSection] = useState<Section>(sectionFromHash);
  const [restoring, setRestoring] = useState(() => loadCreds() !== null);
  const t = translator(lang);
  setApiLanguage(lang);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = DICTS[lang].appTitle;
    try { localStorage.setItem(K_LANG, lang); } catch { /* storage off */ }
  }, [lang]);

  // A reload in the same tab signs in again with what sessionStorage kept.
  useEffect(() => {
    const c = loadCreds();
    if (!c) return;
    useCreds(c);
    api<Merchant>('GET', '/v1/merchant').then(setMerchant).catch(() => { saveCreds(null); useCreds(null); }).finally(() => setRestoring(false));
  }, []);

  useEffect(() => {
    const follow = () => setSection(sectionFromHash());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);

  useEffect(() => {
    if (!merchant) return;
    api<{ data: Store[] }>('GET', `/v1/merchants/${merchant.id}/stores`).then((r) => setStores(r.data)).catch(() => setStores([]));
  }, [merchant]);

  function signOut() {
    saveCreds(null);
    useCreds(null);
    setMerchant(null);
    setStores([]);
  }

  const ctx: Ctx | null = merchant ? { t, lang, merchant, stores } : null;
  return (
    <div class="shell">
      <header>
        <strong class="grow">{t('appTitle')}{merchant ? <span class="who" id="merchant-name"> · {merchant.name}</span> : null}</strong>
        <span class="langs" role="group" aria-label={t('language')}>
          {LANGS.map((l) => <button type="button" key={l} data-lang={l} class={l === lang ? 'on' : ''} onClick={() => setLang(l)}>{LANG_NAMES[l]}</button>)}
        </span>
        {merchant ? <button type="button" id="sign-out" onClick={signOut}>{t('signOut')}</button> : null}
      </header>
      {!ctx ? (restoring ? <p class="hint pad">{t('loading')}</p> : <SignIn t={t} onDone={(_c, m) => setMerchant(m)} />) : (
        <div class="body">
          <nav class="sections" aria-label={t('navigation')}>
            {VISIBLE.map((area) => (
              <div class="area" key={area.id}>
                <h2 class="area-name">{area.label[lang]}</h2>
                {area.sections.map((s) => (
                  <a key={s.id} id={`tab-${s.id}`} href={`#/${s.id}`} aria-current={s.id === section.id ? 'page' : undefined}
                    class={s.id === section.id ? 'on' : ''} onClick={() => setSection(s)}>{s.label[lang]}</a>
                ))}
              </div>
            ))}
          </nav>
          <main key={section.id}>{section.render(ctx)}</main>
        </div>
      )}
    </div>
  );
}

render(<App />, document.getElementById('app')!);
