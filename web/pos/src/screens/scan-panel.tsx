import { useState } from 'preact/hooks';
import type { T } from '../t.ts';

/**
 * How the cashier gives the customer's payment code when the scanner gun is not used: typed digits
 * (and, later, the camera). Calls `onCode` with the code, whitespace removed; `onError` with a message.
 */
export function ScanPanel({ t, onCode, onError }: { t: T; onCode(code: string): void; onError(msg: string | null): void }) {
  const [code, setCode] = useState('');
  return (
    <form onSubmit={(e) => {
      e.preventDefault();
      const c = code.replace(/\s+/g, '');
      if (!c) { onError(t('codeRequired')); return; }
      onCode(c);
    }}>
      <p class="muted">{t('scanHelp')}</p>
      <label>{t('codeLabel')}<input id="code" name="code" inputMode="numeric" autoComplete="off" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" class="primary" id="charge">{t('charge')}</button>
    </form>
  );
}
