/**
 * A USB/HID scanner gun types the code as keystrokes and ends with Enter, into whatever has focus
 * (usually the amount field). This capture-phase listener on window buffers keystrokes that come
 * faster than `gapMs` apart; a burst of at least `minLength` characters ending in Enter is a scan.
 * `onBurstStart` fires on the first key of a burst so the page can undo what the gun typed into a
 * field; `acceptSlow()` lets a slower Enter-terminated code count (while the page waits for one).
 */
export interface ScannerOptions {
  /** Longest gap between two keystrokes of one scan, in ms (Zebra guns: about 80 ms per key). */
  gapMs?: number;
  minLength?: number;
  onScan(code: string): void;
  onBurstStart?(): void;
  acceptSlow?(): boolean;
}

export function listenForScanner(opts: ScannerOptions, target: Window = window): () => void {
  const gap = opts.gapMs ?? 100;
  const min = opts.minLength ?? 10;
  let buf = '';
  let last = 0;
  let fast = true;
  const onKey = (e: KeyboardEvent): void => {
    const now = Date.now();
    if (e.key === 'Enter') {
      const code = buf;
      const wasFast = fast;
      buf = '';
      if (code.length >= min && /^\d+$/.test(code) && (wasFast || (opts.acceptSlow?.() ?? false))) {
        e.preventDefault();
        e.stopPropagation();
        opts.onScan(code);
      }
      return;
    }
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey) return;
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
