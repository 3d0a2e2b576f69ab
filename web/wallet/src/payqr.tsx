import { useState } from 'preact/hooks';
import { act, openQr, type Outcome, type Target } from './api.ts';
import { isStandUrl, type WalletId } from './code.ts';
import type { Key, Lang } from './i18n.ts';
import type { T } from './paycode.tsx';

type Screen =
  | { kind: 'input' }
  | { kind: 'confirm'; target: Target; summary: string | null; paymentId?: string }
  | { kind: 'result'; result: Outcome | 'left' | 'invalid' | 'wrong_wallet' | 'not_offered' | 'stand'; text: string; switchTo?: WalletId };

const AMOUNT = /^\d{1,9}(\.\d{1,2})?$/;

/**
 * Scan (paste) a merchant QR, as the wallet app does: the app opens it — the wallet's cashier, or a
 * one-code stand where the customer types the amount — and then the customer pays, declines, or walks away.
 */
export function PayQr({ t, lang, wallet, onSwitch }: { t: T; lang: Lang; wallet: WalletId; onSwitch: (w: WalletId) => void }) {
  const [qr, setQr] = useState(() => new URLSearchParams(location.search).get('qr') ?? '');
  const [amount, setAmount] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [screen, setScreen] = useState<Screen>({ kind: 'input' });
  const stand = isStandUrl(qr);
  const walletName = (w: WalletId) => t(`wallet_${w}` as Key);
  const done = (result: Outcome) => setScreen({ kind: 'result', result, text: t(`result_${result}` as Key) });

  const open = async () => {
    const value = qr.trim();
    if (!value) { setProblem(t('qrRequired')); return; }
    if (stand && !(AMOUNT.test(amount.trim()) && /[1-9]/.test(amount))) { setProblem(t('amountRequired')); return; }
    setProblem(null);
    setBusy(true);
    try {
      const r = await openQr({ wallet, qr: value, lang, ...(stand ? { amount: amount.trim() } : {}) });
      if (r.step === 'confirm') setScreen({ kind: 'confirm', target: r.target, summary: r.summary ?? (stand ? t('payAmount', { amount: amount.trim() }) : null), ...(r.paymentId ? { paymentId: r.paymentId } : {}) });
      else if (r.step === 'done') done(r.result);
      else if (r.error === 'wrong_wallet' && r.wallet) setScreen({ kind: 'result', result: 'wrong_wallet', text: t('result_wrong_wallet', { wallet: walletName(r.wallet) }), switchTo: r.wallet });
      else if (r.error === 'not_offered') setScreen({ kind: 'result', result: 'not_offered', text: t('result_not_offered', { wallet: walletName(wallet) }) });
      else if (r.error === 'stand') setScreen({ kind: 'result', result: 'stand', text: t('result_stand', { msg: r.message ?? '' }) });
      else if (r.error === 'invalid') setScreen({ kind: 'result', result: 'invalid', text: t('result_invalid') });
      else done('unavailable');
    } catch {
      done('unavailable');
    } finally {
      setBusy(false);
    }
  };

  const press = async (target: Target, action: 'pay' | 'decline') => {
    setBusy(true);
    try {
      done(await act({ wallet, target, action, lang }));
    } catch {
      done('unavailable');
    } finally {
      setBusy(false);
    }
  };

  if (screen.kind === 'confirm') {
    const target = screen.target;
    return (
      <section id="payqr" class="card" data-payment={screen.paymentId}>
        <h2 class="title">{t('confirmTitle')} · {walletName(wallet)}</h2>
        <p id="summary" class="summary">{screen.summary ?? ''}</p>
        <button type="button" id="pay" class="primary" disabled={busy} onClick={() => void press(target, 'pay')}>{busy ? t('sending') : t('pay')}</button>
        <p class="row">
          <button type="button" id="decline" class="grow" disabled={busy} onClick={() => void press(target, 'decline')}>{t('decline')}</button>
          <button type="button" id="timeout" class="grow" disabled={busy} onClick={() => setScreen({ kind: 'result', result: 'left', text: t('result_left') })}>{t('timeout')}</button>
        </p>
      </section>
    );
  }
  if (screen.kind === 'result') {
    const sw = screen.switchTo;
    return (
      <section id="payqr" class="card">
        <p id="result" role="status" data-result={screen.result} class={screen.result === 'paid' ? 'ok' : screen.result === 'left' ? 'muted big' : 'error'}>{screen.text}</p>
        {sw && <button type="button" id="switch" class="primary" onClick={() => { onSwitch(sw); setScreen({ kind: 'input' }); }}>{t('switchTo', { wallet: walletName(sw) })}</button>}
        <button type="button" id="again" onClick={() => setScreen({ kind: 'input' })}>{t('again')}</button>
      </section>
    );
  }
  return (
    <section id="payqr" class="card">
      <label>{t('qrLabel')}
        <textarea id="qr" rows={3} value={qr} onInput={(e) => setQr((e.currentTarget as HTMLTextAreaElement).value)} placeholder="https://…" />
      </label>
      <p class="muted">{t('qrHelp')}</p>
      {stand && (
        <label>{t('amountLabel')}
          <input id="amount" type="text" inputMode="decimal" autocomplete="off" placeholder="0.00" maxLength={12} value={amount} onInput={(e) => setAmount((e.currentTarget as HTMLInputElement).value)} />
        </label>
      )}
      {problem && <p id="problem" class="error" role="alert">{problem}</p>}
      <button type="button" id="open" class="primary" disabled={busy} onClick={() => void open()}>{busy ? t('sending') : t('scan')}</button>
    </section>
  );
}
