import { useEffect, useState } from 'preact/hooks';
import { QrCode } from '../../pos/src/qr.tsx';
import { Barcode } from './barcode.tsx';
import { SHAPES, groupDigits, walletPaymentCode, type Outcome, type WalletId } from './code.ts';
import type { Key } from './i18n.ts';

export type T = (key: Key, vars?: Record<string, string | number>) => string;

/** How long a payment code lives before the page shows a new one, like the real wallet apps. */
const REFRESH_S = 60;

/** The wallet's payment code (付款码) as the app shows it: barcode, QR, the digits, and a countdown to the next one. */
export function PaymentCode({ t, wallet }: { t: T; wallet: WalletId }) {
  const outcomes = SHAPES[wallet].outcomes;
  const [outcome, setOutcome] = useState<Outcome>('00');
  const [code, setCode] = useState(() => walletPaymentCode(wallet, '00'));
  const [left, setLeft] = useState(REFRESH_S);
  const refresh = (o: Outcome = outcome) => { setCode(walletPaymentCode(wallet, o)); setLeft(REFRESH_S); };
  useEffect(() => {
    const id = setInterval(() => setLeft((s) => (s <= 1 ? 0 : s - 1)), 1000);
    return () => clearInterval(id);
  }, []);
  useEffect(() => { if (left === 0) refresh(); }, [left]);
  // Another wallet: its own code shape, and only the outcomes its emulator knows.
  useEffect(() => {
    const o = outcomes.indexOf(outcome) >= 0 ? outcome : '00';
    setOutcome(o);
    refresh(o);
  }, [wallet]);
  return (
    <section id="paycode" class="card" data-wallet={wallet}>
      <p class="muted">{t('codeHelp')}</p>
      <Barcode value={code} />
      <p id="code-digits" class="digits" data-code={code}>{groupDigits(code)}</p>
      <div class="qrbox"><QrCode value={code} size={200} /></div>
      <p class="row"><span id="refresh-in" class="muted grow">{t('refreshIn', { s: left })}</span>
        <button type="button" id="refresh" onClick={() => refresh()}>{t('refreshNow')}</button></p>
      <label>{t('outcomeLabel')}
        <select id="outcome" value={outcome} onChange={(e) => { const o = (e.currentTarget as HTMLSelectElement).value as Outcome; setOutcome(o); refresh(o); }}>
          {outcomes.map((o) => <option key={o} value={o}>{t(`outcome${o}` as Key)}</option>)}
        </select>
      </label>
    </section>
  );
}
