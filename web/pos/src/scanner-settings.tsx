import { useEffect, useRef, useState } from 'preact/hooks';
import { load, save } from './local.ts';
import { DEFAULT_GAP_MS, DEFAULT_MIN_LENGTH, listenForScanner, type Rejected } from './scanner.ts';
import type { Key } from './i18n.ts';
import type { T } from './t.ts';

/** How the window-level listener tells a scanner gun from typing; kept on this device. */
export interface ScannerTiming { maxGapMs: number; minLength: number }

export const K_SCANNER = 'saoma.pos.scanner';
export const GAP_RANGE = { min: 10, max: 500 } as const;
export const LENGTH_RANGE = { min: 4, max: 64 } as const;
const DEFAULTS: ScannerTiming = { maxGapMs: DEFAULT_GAP_MS, minLength: DEFAULT_MIN_LENGTH };

type Checked = { ok: true; timing: ScannerTiming } | { ok: false; field: 'maxGapMs' | 'minLength'; message: Key };

function wholeIn(v: unknown, r: { min: number; max: number }): number | null {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isInteger(n) && n >= r.min && n <= r.max ? n : null;
}

/** Validates the two settings as typed (strings) or stored (numbers). */
export function checkTiming(v: { maxGapMs: unknown; minLength: unknown }): Checked {
  const maxGapMs = wholeIn(v.maxGapMs, GAP_RANGE);
  if (maxGapMs === null) return { ok: false, field: 'maxGapMs', message: 'scannerGapInvalid' };
  const minLength = wholeIn(v.minLength, LENGTH_RANGE);
  if (minLength === null) return { ok: false, field: 'minLength', message: 'scannerMinInvalid' };
  return { ok: true, timing: { maxGapMs, minLength } };
}

/** This device's timing; the defaults when nothing (or something unreadable) is stored. */
export function scannerTiming(): ScannerTiming {
  const s = load(K_SCANNER);
  if (!s) return { ...DEFAULTS };
  try {
    const c = checkTiming(JSON.parse(s) as ScannerTiming);
    return c.ok ? c.timing : { ...DEFAULTS };
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveScannerTiming(v: ScannerTiming | null): void {
  save(K_SCANNER, v ? JSON.stringify(v) : null);
}

type TestResult = { ok: true; code: string } | { ok: false; r: Rejected } | null;

let tries = 0;

/** The settings form for the scanner gun's timing, with a field to try the gun against them. */
export function ScannerSettings({ t }: { t: T }) {
  const [saved, setSaved] = useState<ScannerTiming>(scannerTiming);
  const [gap, setGap] = useState(String(saved.maxGapMs));
  const [min, setMin] = useState(String(saved.minLength));
  const [msg, setMsg] = useState<{ error: boolean; text: string } | null>(null);
  const [test, setTest] = useState<TestResult>(null);
  const testRef = useRef<HTMLInputElement>(null);

  // The test field is judged by the same listener the sale screen uses, with the saved timing.
  useEffect(() => listenForScanner({
    gapMs: saved.maxGapMs,
    minLength: saved.minLength,
    accept: 'text',
    onScan: (code) => { if (testRef.current) testRef.current.value = ''; tries++; setTest({ ok: true, code }); },
    onReject: (r) => { tries++; setTest({ ok: false, r }); },
  }), [saved.maxGapMs, saved.minLength]);

  const submit = (e: Event) => {
    e.preventDefault();
    const c = checkTiming({ maxGapMs: gap, minLength: min });
    if (!c.ok) {
      setMsg({ error: true, text: t(c.message, { min: c.field === 'maxGapMs' ? GAP_RANGE.min : LENGTH_RANGE.min, max: c.field === 'maxGapMs' ? GAP_RANGE.max : LENGTH_RANGE.max }) });
      return;
    }
    saveScannerTiming(c.timing);
    setSaved(c.timing);
    setMsg({ error: false, text: t('scannerSaved') });
  };
  const reset = () => {
    saveScannerTiming(null);
    setSaved({ ...DEFAULTS });
    setGap(String(DEFAULTS.maxGapMs));
    setMin(String(DEFAULTS.minLength));
    setMsg({ error: false, text: t('scannerSaved') });
  };

  let verdict = null;
  if (test && test.ok) verdict = <p class="muted" role="status" id="scanner-test-result" data-try={tries} data-result="scan">{t('scannerTestOk', { code: test.code, n: test.code.length })}</p>;
  else if (test) {
    const r = test.r;
    const text = r.reason === 'too_slow'
      ? t('scannerTestSlow', { gap: r.maxGapMs, max: saved.maxGapMs, suggest: Math.min(GAP_RANGE.max, Math.ceil((r.maxGapMs + 20) / 10) * 10) })
      : r.reason === 'too_short' ? t('scannerTestShort', { n: r.text.length, min: saved.minLength }) : t('scannerTestText', { n: r.text.length });
    verdict = <p class="error" role="status" id="scanner-test-result" data-try={tries} data-result={r.reason}>{text}</p>;
  }

  return (
    <form class="scanner-settings" id="scanner-settings" style={{ display: 'flex', flexDirection: 'column', gap: '12px' }} onSubmit={submit}>
      <h1>{t('scannerTitle')}</h1>
      <p class="muted">{t('scannerHelp')}</p>
      <label>{t('scannerGapLabel')}
        <input name="maxGapMs" inputMode="numeric" autoComplete="off" value={gap} onInput={(e) => { setMsg(null); setGap((e.target as HTMLInputElement).value); }} />
      </label>
      <label>{t('scannerMinLabel')}
        <input name="minLength" inputMode="numeric" autoComplete="off" value={min} onInput={(e) => { setMsg(null); setMin((e.target as HTMLInputElement).value); }} />
      </label>
      {msg ? <p class={msg.error ? 'error' : 'muted'} role={msg.error ? 'alert' : 'status'} id="scanner-settings-msg">{msg.text}</p> : null}
      <div class="row">
        <button type="submit" class="primary">{t('scannerSave')}</button>
        <button type="button" onClick={reset}>{t('scannerReset')}</button>
      </div>
      <label>{t('scannerTestLabel')}
        {/* Enter in here must not submit the form: the listener judges it instead. */}
        <input name="scannerTest" id="scanner-test" autoComplete="off" placeholder={t('scannerTestHelp')}
          ref={testRef}
          onKeyDown={(e) => {
            if (e.key === 'Enter') { e.preventDefault(); (e.target as HTMLInputElement).value = ''; } else if (test) setTest(null);
          }} />
      </label>
      {verdict}
    </form>
  );
}
