import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import type { PaycodeRule } from '../../../../src/core/paycode.ts';
import type { Decoded } from '../camera/protocol.ts';
import { classifyScan, scanProblem, walletName } from '../scan-classify.ts';
import type { T } from '../t.ts';

type CameraViewType = ComponentType<{ t: T; onRead(code: Decoded): void }>;

/**
 * How the cashier gives the customer's payment code when the scanner gun is not used: typed digits,
 * or the camera. Shows which wallet the code belongs to before it is charged; a link, a product
 * barcode or anything that is no wallet's code gets a message saying what it was and what to do,
 * and `onCode` is not called. Calls `onCode` with the code (digits only). Its messages are shown
 * here; `onError(null)` tells the parent to clear its own. `rules` are the wallets' code formats
 * (default: the built-in ones; a server that adds wallets by SAOMA_PAYCODE_RULES should pass its table).
 */
export function ScanPanel({ t, onCode, onError, rules }: { t: T; onCode(code: string): void; onError(msg: string | null): void; rules?: readonly PaycodeRule[] }) {
  const [code, setCode] = useState('');
  // Kept as a function of the translator, so a shown message follows a change of language.
  const [problem, setProblem] = useState<((tr: T) => string) | null>(null);
  const [cameraOn, setCameraOn] = useState(false);
  const [View, setView] = useState<CameraViewType | null>(null);
  const chargeRef = useRef<HTMLButtonElement>(null);
  const focusCharge = useRef(false);
  const lastRead = useRef('');

  // The panel shows its messages beside the code and the camera; the parent's own message (a stale
  // one from before) is cleared, so the cashier never reads the same thing twice.
  const report = (msg: ((tr: T) => string) | null) => { setProblem(() => msg); onError(null); };
  const kind = code.trim() ? classifyScan(code, rules) : null;

  useEffect(() => {
    if (!focusCharge.current) return;
    focusCharge.current = false;
    chargeRef.current?.focus();
  });

  const openCamera = () => {
    report(null);
    lastRead.current = '';
    setCameraOn(true);
    if (!View) {
      // Its own chunk: the camera, its worker and the 1 MB wasm load only when a cashier asks for them.
      import('../camera/camera-view.tsx').then((m) => setView(() => m.default), () => { setCameraOn(false); report((tr) => tr('cameraLoadFailed')); });
    }
  };

  const onRead = (d: Decoded) => {
    // The camera sees the same code many times a second: judge each one once.
    if (d.text === lastRead.current) return;
    lastRead.current = d.text;
    const k = classifyScan(d.text, rules);
    if (k.kind !== 'paycode') { report((tr) => scanProblem(tr, k)!); return; }
    setCameraOn(false);
    setCode(k.code);
    report(null);
    focusCharge.current = true;
  };

  return (
    <form id="scan-panel" onSubmit={(e) => {
      e.preventDefault();
      const k = classifyScan(code, rules);
      if (k.kind !== 'paycode') { report((tr) => scanProblem(tr, k)!); return; }
      report(null);
      onCode(k.code);
    }}>
      <p class="muted">{t('scanHelp')}</p>
      <label>{t('codeLabel')}<input id="code" name="code" inputMode="numeric" autoComplete="off" value={code}
        onInput={(e) => { setProblem(null); setCode((e.target as HTMLInputElement).value); }} /></label>
      {kind && kind.kind === 'paycode'
        ? <p id="scan-wallet" data-wallet={kind.wallet} style={{ margin: 0, fontWeight: 600, color: '#0b6b4f' }}>{t('scanWalletIs', { wallet: walletName(t, kind.wallet) })}</p>
        : null}
      {problem ? <p class="error" role="alert" id="scan-error">{problem(t)}</p> : null}
      <div class="row">
        {cameraOn
          ? <button type="button" id="camera-close" onClick={() => setCameraOn(false)}>{t('cameraClose')}</button>
          : <button type="button" id="camera-open" onClick={openCamera}>{t('cameraOpen')}</button>}
        <button type="submit" class="primary" id="charge" ref={chargeRef}>{t('charge')}</button>
      </div>
      {/* Below the buttons: on a short screen the video may run off the bottom, Charge must not. */}
      {cameraOn
        ? (View ? <View t={t} onRead={onRead} /> : <p class="muted">{t('cameraStarting')}</p>)
        : null}
    </form>
  );
}
