import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DICTS, LANGS, LANG_NAMES, pickLang, translate, type Key, type Lang } from './i18n.ts';
import { WALLETS, type WalletId } from './code.ts';
import { mountedWallets } from './api.ts';
import { PaymentCode, type T } from './paycode.tsx';
import { PayQr } from './payqr.tsx';
import './style.css';

const K_LANG = 'saoma.wallet.lang';
const K_WALLET = 'saoma.wallet.wallet';

function load(key: string): string | null {
  try { return localStorage.getItem(key); } catch { return null; }
}
function save(key: string, value: string): void {
  try { localStorage.setItem(key, value); } catch { /* private mode */ }
}
function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  const saved = q ?? load(K_LANG);
  if (saved && (LANGS as readonly string[]).indexOf(saved) >= 0) return saved as Lang;
  return pickLang(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
}
function initialWallet(): WalletId {
  const w = new URLSearchParams(location.search).get('wallet') ?? load(K_WALLET);
  return w && (WALLETS as readonly string[]).indexOf(w) >= 0 ? w as WalletId : 'sandbox';
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [wallet, setWallet] = useState<WalletId>(initialWallet);
  // The sandbox wallet is always here; the real wallets only when `saoma serve` runs their emulators.
  const [wallets, setWallets] = useState<WalletId[]>(['sandbox']);
  const [tab, setTab] = useState<'code' | 'scan'>(() => (new URLSearchParams(location.search).get('qr') ? 'scan' : 'code'));
  const t: T = (key, vars) => translate(lang, key, vars);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = DICTS[lang].appTitle;
    save(K_LANG, lang);
  }, [lang]);
  useEffect(() => { save(K_WALLET, wallet); }, [wallet]);
  useEffect(() => {
    mountedWallets().then((ws) => {
      setWallets(ws);
      // A wallet remembered from a server that ran its emulator, on one that does not: back to the sandbox.
      setWallet((w) => (ws.indexOf(w) >= 0 ? w : 'sandbox'));
      document.body.dataset.wallets = ws.join(' ');
    }).catch(() => { document.body.dataset.wallets = 'sandbox'; });
  }, []);
  // Until the server has said which wallets it runs, the chosen one stays listed.
  const shown = wallets.indexOf(wallet) >= 0 ? wallets : [...wallets, wallet];
  return (
    <div class={`shell w-${wallet}`}>
      <header>
        <strong class="grow">{t('appTitle')}</strong>
        <span class="langs" role="group" aria-label={t('language')}>
          {LANGS.map((l) => <button type="button" key={l} data-lang={l} class={l === lang ? 'on' : ''} onClick={() => setLang(l)}>{LANG_NAMES[l]}</button>)}
        </span>
      </header>
      <main>
        <label class="wallet">{t('walletLabel')}
          <select id="wallet" value={wallet} onChange={(e) => setWallet((e.currentTarget as HTMLSelectElement).value as WalletId)}>
            {shown.map((w) => <option key={w} value={w}>{t(`wallet_${w}` as Key)}</option>)}
          </select>
        </label>
        <nav class="tabs" role="tablist">
          <button type="button" role="tab" id="tab-code" aria-selected={tab === 'code'} class={tab === 'code' ? 'on' : ''} onClick={() => setTab('code')}>{t('tabCode')}</button>
          <button type="button" role="tab" id="tab-scan" aria-selected={tab === 'scan'} class={tab === 'scan' ? 'on' : ''} onClick={() => setTab('scan')}>{t('tabScan')}</button>
        </nav>
        {tab === 'code' ? <PaymentCode t={t} wallet={wallet} /> : <PayQr t={t} lang={lang} wallet={wallet} onSwitch={setWallet} />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
