/**
 * A USB/HID scanner gun types the code as keystrokes and ends with Enter, into whatever has focus
 * (usually the amount field). This capture-phase listener on window buffers keystrokes that come
 * faster than `gapMs` apart; a burst of at least `minLength` characters ending in Enter is a scan.
 * `onBurstStart` fires on the first key of a burst so the page can undo what the gun typed into a
 * field; `acceptSlow()` lets a slower Enter-terminated code count (while the page waits for one).
 * The timing is per device: see scanner-settings.tsx.
 */
export interface ScannerOptions {
  /** Longest gap between two keystrokes of one scan, in ms (Zebra guns: about 80 ms per key). */
  gapMs?: number;
  minLength?: number;
  /**
   * 'digits' (the default): only digit bursts are scans, as payment codes are digits.
   * 'text': any printable burst is, so a page can tell the cashier a link or a product code was scanned.
   */
  accept?: 'digits' | 'text';
  onScan(code: string): void;
  onBurstStart?(): void;
  acceptSlow?(): boolean;
  /** An Enter that ended typing which was not taken as a scan, and why (the settings' scanner test shows it). */
  onReject?(r: Rejected): void;
}

export interface Rejected {
  text: string;
  /** The longest gap between two keys of what was typed before Enter, in ms. */
  maxGapMs: number;
  reason: 'too_slow' | 'too_short' | 'not_digits';
}

export const DEFAULT_GAP_MS = 100;
export const DEFAULT_MIN_LENGTH = 10;

export function listenForScanner(opts: ScannerOptions, target: Window = window): () => void {
  const gap = opts.gapMs ?? DEFAULT_GAP_MS;
  const min = opts.minLength ?? DEFAULT_MIN_LENGTH;
  const pattern = opts.accept === 'text' ? /^[^\s]+$/ : /^\d+$/;
  let buf = '';
  let last = 0;
  let fast = true;
  // Everything typed since the last Enter, for onReject: `buf` only holds the current burst.
  let line = '';
  let lineGap = 0;
  const onKey = (e: KeyboardEvent): void => {
    const now = Date.now();
    if (e.key === 'Enter') {
      const code = buf;
      const wasFast = fast;
      const typed = line;
      const typedGap = lineGap;
      buf = '';
      line = '';
      lineGap = 0;
      const slowOk = opts.acceptSlow?.() ?? false;
      if (code.length >= min && pattern.test(code) && (wasFast || slowOk)) {
        e.preventDefault();
        e.stopPropagation();
        opts.onScan(code);
      } else if (typed && opts.onReject) {
        const reason = !pattern.test(typed) ? 'not_digits' : typedGap > gap && !slowOk ? 'too_slow' : 'too_short';
        opts.onReject({ text: typed, maxGapMs: typedGap, reason });
      }
      return;
    }
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey) return;
    if (line) lineGap = Math.max(lineGap, now - last);
    line = (line + e.key).slice(-64);
    if (!buf || now - last > gap) {
      if (buf && (opts.acceptSlow?.() ?? false)) {
        fast = false; // a slow typist: still a code while the page waits for one
      } else {
        buf = '';
        fast = true;
        opts.onBurstStart?.();
      }
    }
    buf += e.key;
    last = now;
    if (buf.length > 64) buf = buf.slice(-64);
  };
  target.addEventListener('keydown', onKey, true);
  return () => target.removeEventListener('keydown', onKey, true);
}
