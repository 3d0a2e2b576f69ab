import { useEffect, useRef, useState } from 'preact/hooks';
import { parseAmount } from '../amount.ts';
import { cartTotal } from '../cart.ts';
import { formatAmount, type Lang } from '../i18n.ts';
import { qrWallet } from '../local.ts';
import { classifyScan, scanProblem } from '../scan-classify.ts';
import { counterRules, counterWallets } from '../counter.ts';
import { scannerTiming } from '../scanner-settings.tsx';
import { listenForScanner } from '../scanner.ts';
import type { SaleItem, SaleRecord } from '../tender-rules.ts';
import type { T } from '../t.ts';
import { Items } from './items.tsx';
import { ScanPanel } from './scan-panel.tsx';
import type { Mode } from './pay.tsx';

/** Open a sale (and, for the one-step flows, its first line for the whole amount). */
export type Start = (s: { amount: number; items: SaleItem[]; mode: Mode; first?: { method: 'dynamic_qr' | 'payment_code'; channel?: string; authCode?: string } }) => Promise<SaleRecord>;

const KEYS = ['7', '8', '9', '4', '5', '6', '1', '2', '3', '00', '0', '.'];

/** The amount (typed, or the items' total), then how the customer pays. */
export function Sale({ t, lang, onStart }: { t: T; lang: Lang; onStart: Start }) {
  const [amount, setAmount] = useState('');
  const [cart, setCart] = useState<SaleItem[]>([]);
  const [mode, setMode] = useState<'amount' | 'scan'>('amount');
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const amountRef = useRef<HTMLInputElement>(null);
  const live = useRef({ amount, mode, cart, busy });
  live.current = { amount, mode, cart, busy };

  /** The sale's amount in minor units, or null with the reason shown. */
  const checked = (text: string, items: SaleItem[]): number | null => {
    if (items.length) {
      const total = cartTotal(items);
      if (total <= 0) { setMsg(t('amountZero')); return null; }
      setMsg(null);
      return total;
    }
    const r = parseAmount(text);
    if (!r.ok) { setMsg(t(r.reason)); return null; }
    setMsg(null);
    return r.minor;
  };
  const start = (minor: number, m: Mode, first?: { method: 'dynamic_qr' | 'payment_code'; channel?: string; authCode?: string }) => {
    if (live.current.busy) return;
    if (first && !navigator.onLine) { setMsg(t(first.method === 'dynamic_qr' ? 'offlineQr' : 'offlineWallet')); return; }
    setBusy(true);
    onStart({ amount: minor, items: live.current.cart, mode: m, ...(first ? { first } : {}) })
      .catch((e: unknown) => { setBusy(false); setMsg(String((e as Error).message || e)); });
  };
  /** A scan is charged only when it is a wallet's payment code; a link or a product barcode is explained, nothing sent. */
  const charge = (scanned: string) => {
    const s = classifyScan(scanned, counterRules());
    const problem = scanProblem(t, s);
    if (problem) { setMsg(problem); return; }
    const minor = checked(live.current.amount, live.current.cart);
    if (minor !== null) start(minor, 'code', { method: 'payment_code', authCode: s.code });
  };

  useEffect(() => {
    amountRef.current?.focus();
    const timing = scannerTiming();
    // A scanner gun types into the focused amount field: take what it typed back out, then look at the code.
    return listenForScanner({
      gapMs: timing.maxGapMs,
      minLength: timing.minLength,
      accept: 'text',
      acceptSlow: () => live.current.mode === 'scan',
      onScan: (scanned) => {
        const field = amountRef.current?.value ?? live.current.amount;
        const before = field.slice(-scanned.length) === scanned ? field.slice(0, -scanned.length) : field;
        setAmount(before);
        live.current.amount = before;
        charge(scanned);
      },
    });
  }, []);

  const press = (k: string) => {
    setMsg(null);
    setAmount((a) => (a + k).slice(0, 16));
    amountRef.current?.focus();
  };
  const fromItems = cart.length > 0;
  const parsed = fromItems ? { ok: true as const, minor: cartTotal(cart) } : parseAmount(amount);
  const go = (m: Mode) => { const v = checked(amount, cart); if (v !== null) start(v, m); };

  return (
    <div class="sale">
      <section class="card pad">
        <label>{t('amountLabel')}
          <input ref={amountRef} id="amount" name="amount" inputMode="decimal" autoComplete="off" placeholder="0.00"
            value={fromItems ? (cartTotal(cart) / 100).toFixed(2) : amount} readOnly={fromItems}
            onInput={(e) => { setMsg(null); setAmount((e.target as HTMLInputElement).value); }} />
        </label>
        <div class="big" aria-live="polite">{parsed.ok ? formatAmount(lang, parsed.minor) : '\u00a0'}</div>
        <div class="keypad">
          {KEYS.map((k) => <button type="button" key={k} disabled={fromItems} onClick={() => press(k)}>{k}</button>)}
          <button type="button" disabled={fromItems} onClick={() => { setAmount((a) => a.slice(0, -1)); amountRef.current?.focus(); }}>⌫</button>
          <button type="button" disabled={fromItems} onClick={() => { setAmount(''); setMsg(null); amountRef.current?.focus(); }}>{t('clear')}</button>
        </div>
      </section>
      <section class="card actions">
        {msg ? <p class="error" role="alert" id="sale-error">{msg}</p> : null}
        <div class="action-grid">
          <button type="button" class="primary" id="show-qr" disabled={busy} onClick={() => { const v = checked(amount, cart); if (v !== null) start(v, 'qr', { method: 'dynamic_qr', channel: qrWallet(counterWallets()) }); }}>{t('showQr')}</button>
          <button type="button" id="scan-code" class={mode === 'scan' ? 'on' : ''} disabled={busy} onClick={() => { setMode(mode === 'scan' ? 'amount' : 'scan'); setMsg(null); }}>{t('scanCode')}</button>
          <button type="button" id="pay-cash" disabled={busy} onClick={() => go('cash')}>{t('payCash')}</button>
          <button type="button" id="split" disabled={busy} onClick={() => go('cash')}>{t('splitPay')}</button>
        </div>
        {mode === 'scan' ? <ScanPanel t={t} onCode={charge} onError={setMsg} rules={counterRules()} /> : <Items t={t} lang={lang} cart={cart} onCart={(c) => { setMsg(null); setCart(c); }} />}
      </section>
    </div>
  );
}
