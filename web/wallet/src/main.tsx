import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DICTS, LANGS, LANG_NAMES, pickLang, translate, type Key, type Lang } from './i18n.ts';
import { OUTCOMES, groupDigits, newPaymentCode, type Outcome } from './code.ts';
import { QrCode } from '../../pos/src/qr.tsx';
import './style.css';

const K_LANG = 'saoma.wallet.lang';
/** How long a payment code lives before the page shows a new one, like the real wallet apps. */
const REFRESH_S = 60;

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

type T = (key: Key, vars?: Record<string, string | number>) => string;
const OUTCOME_KEYS: Record<Outcome, Key> = { '00': 'outcomePay', '01': 'outcomeDecline', '02': 'outcomeConfirm', '03': 'outcomeNever' };

function PaymentCode({ t }: { t: T }) {
  const [outcome, setOutcome] = useState<Outcome>('00');
  const [code, setCode] = useState(() => newPaymentCode('00'));
  const [left, setLeft] = useState(REFRESH_S);
  const refresh = (o: Outcome = outcome) => { setCode(newPaymentCode(o)); setLeft(REFRESH_S); };
  useEffect(() => {
    const id = setInterval(() => setLeft((s) => (s <= 1 ? 0 : s - 1)), 1000);
    return () => clearInterval(id);
  }, []);
  useEffect(() => { if (left === 0) refresh(); }, [left]);
  return (
    <section id="paycode" class="card">
      <p class="muted">{t('codeHelp')}</p>
      <div class="qrbox"><QrCode value={code} size={220} /></div>
      <p id="code-digits" class="digits" data-code={code}>{groupDigits(code)}</p>
      <p class="row"><span id="refresh-in" class="muted grow">{t('refreshIn', { s: left })}</span>
        <button type="button" id="refresh" onClick={() => refresh()}>{t('refreshNow')}</button></p>
      <label>{t('outcomeLabel')}
        <select id="outcome" value={outcome} onChange={(e) => { const o = (e.currentTarget as HTMLSelectElement).value as Outcome; setOutcome(o); refresh(o); }}>
          {OUTCOMES.map((o) => <option key={o} value={o}>{t(OUTCOME_KEYS[o])}</option>)}
        </select>
      </label>
    </section>
  );
}

/** What the sandbox wallet's customer endpoint answered. */
interface ScanReply { code: string; msg?: string; trade_status?: string; total_amount?: string }
type Result = { kind: 'paid' | 'declined' | 'closed' | 'missing' | 'invalid' | 'error'; text: string };

function PayQr({ t, lang }: { t: T; lang: Lang }) {
  const [qr, setQr] = useState(() => new URLSearchParams(location.search).get('qr') ?? '');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const send = async (action: 'pay' | 'decline') => {
    const value = qr.trim();
    if (!value) { setResult({ kind: 'error', text: t('qrRequired') }); return; }
    setBusy(true);
    setResult(null);
    try {
      // Exactly what the customer's app does: the wallet's own customer endpoint, not Saoma's API.
      const res = await fetch('/sandbox/wallet/scan', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: value, action }) });
      const r = (await res.json()) as ScanReply;
      if (r.code === 'SUCCESS') {
        const amount = r.total_amount ? new Intl.NumberFormat(lang === 'en' ? 'en' : lang === 'zh-Hant' ? 'zh-TW' : 'zh-CN', { style: 'currency', currency: 'CNY' }).format(Number(r.total_amount)) : '';
        setResult({ kind: 'paid', text: t('resultPaid', { amount }).trim() });
      } else if (r.code === 'PAY_DECLINED') setResult({ kind: 'declined', text: t('resultDeclined') });
      else if (r.code === 'TRADE_CLOSED') setResult({ kind: 'closed', text: t('resultClosed', { status: r.trade_status ?? '' }) });
      else if (r.code === 'TRADE_NOT_EXIST') setResult({ kind: 'missing', text: t('resultNotFound') });
      else if (r.code === 'INVALID_PARAM') setResult({ kind: 'invalid', text: t('resultInvalid') });
      else setResult({ kind: 'error', text: t('resultError', { msg: r.msg ?? r.code }) });
    } catch {
      setResult({ kind: 'error', text: t('networkError') });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section id="payqr" class="card">
      <label>{t('qrLabel')}
        <textarea id="qr" rows={3} value={qr} onInput={(e) => setQr((e.currentTarget as HTMLTextAreaElement).value)} placeholder="saoma-sandbox://qr/…" />
      </label>
      <p class="muted">{t('qrHelp')}</p>
      <p class="row">
        <button type="button" id="pay" class="primary grow" disabled={busy} onClick={() => void send('pay')}>{busy ? t('sending') : t('pay')}</button>
        <button type="button" id="decline" class="grow" disabled={busy} onClick={() => void send('decline')}>{t('decline')}</button>
      </p>
      {result && <p id="result" role="status" data-result={result.kind} class={result.kind === 'paid' ? 'ok' : 'error'}>{result.text}</p>}
    </section>
  );
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [tab, setTab] = useState<'code' | 'scan'>(() => (new URLSearchParams(location.search).get('qr') ? 'scan' : 'code'));
  const t: T = (key, vars) => translate(lang, key, vars);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = DICTS[lang].appTitle;
    save(K_LANG, lang);
  }, [lang]);
  return (
    <div class="shell">
      <header>
        <strong class="grow">{t('appTitle')}</strong>
        <span class="langs" role="group" aria-label={t('language')}>
          {LANGS.map((l) => <button type="button" key={l} data-lang={l} class={l === lang ? 'on' : ''} onClick={() => setLang(l)}>{LANG_NAMES[l]}</button>)}
        </span>
      </header>
      <main>
        <label class="wallet">{t('walletLabel')}
          <select id="wallet" value="sandbox"><option value="sandbox">{t('walletSandbox')}</option></select>
        </label>
        <nav class="tabs" role="tablist">
          <button type="button" role="tab" id="tab-code" aria-selected={tab === 'code'} class={tab === 'code' ? 'on' : ''} onClick={() => setTab('code')}>{t('tabCode')}</button>
          <button type="button" role="tab" id="tab-scan" aria-selected={tab === 'scan'} class={tab === 'scan' ? 'on' : ''} onClick={() => setTab('scan')}>{t('tabScan')}</button>
        </nav>
        {tab === 'code' ? <PaymentCode t={t} /> : <PayQr t={t} lang={lang} />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
