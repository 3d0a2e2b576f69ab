import { useEffect, useRef, useState } from 'preact/hooks';
import { randomId } from '../api.ts';
import { parseAmount } from '../amount.ts';
import { formatAmount, type Lang } from '../i18n.ts';
import { listenForScanner } from '../scanner.ts';
import type { T } from '../t.ts';
import { ScanPanel } from './scan-panel.tsx';

/** What one payment attempt sends: its idempotency key and body never change across retries. */
export interface Attempt { key: string; body: { outTradeNo: string; amount: number; currency: 'CNY'; method: 'dynamic_qr' | 'payment_code'; channel?: string; authCode?: string } }

const KEYS = ['7', '8', '9', '4', '5', '6', '1', '2', '3', '00', '0', '.'];

export function Sale({ t, lang, onStart }: { t: T; lang: Lang; onStart(a: Attempt): void }) {
  const [amount, setAmount] = useState('');
  const [mode, setMode] = useState<'amount' | 'scan'>('amount');
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
        {mode === 'scan' ? <ScanPanel t={t} onCode={(c) => { const m = checked(amount); if (m !== null) start(m, 'payment_code', c); }} onError={setMsg} /> : null}
      </section>
    </div>
  );
}

