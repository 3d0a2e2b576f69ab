import type { DisplayState } from './state.ts';

/** A payment as the server sends it to a display (no trade numbers or references). */
export interface DisplayPayment {
  id: string;
  state: 'created' | 'pending' | 'waiting_customer' | 'unknown' | 'succeeded' | 'failed' | 'closed' | 'reversed';
  method: string;
  amount: number;
  currency: string;
  tendered: number | null;
  change: number | null;
  updatedAt: string;
}

export type FeedStatus = 'connecting' | 'live' | 'unpaired';

export interface FeedHandlers {
  status(s: FeedStatus): void;
  display(state: DisplayState): void;
  payment(p: DisplayPayment): void;
  /** Server clock minus this device's, from the stream's Date header: QR countdowns follow the server. */
  skew(ms: number): void;
}

/** The server sends a heartbeat every 15 s; this long without a byte means the link is dead, even if no error says so. */
const SILENCE_MS = 40_000;
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000];
const UNPAIRED_RETRY_MS = 30_000;

/**
 * The display's one stream (`GET /v1/display/stream`), read with fetch because EventSource cannot send
 * the token as a header. Reconnects for as long as the page is open; says "connecting" whenever it is
 * not actually receiving, so the screen never pretends to be live. Returns a stop function.
 */
export function openFeed(token: string, on: FeedHandlers): () => void {
  let stopped = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const once = async (): Promise<number> => {
    const res = await fetch('/v1/display/stream', { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, cache: 'no-store' });
    if (res.status === 401) return 401;
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    const date = res.headers.get('date');
    if (date && !isNaN(Date.parse(date))) on.skew(Date.parse(date) - Date.now());
    const r = res.body.getReader();
    reader = r;
    const decoder = new TextDecoder();
    let buf = '';
    let watchdog: ReturnType<typeof setTimeout> | null = null;
    const feedDog = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => { if (reader) reader.cancel().catch(() => undefined); }, SILENCE_MS);
    };
    feedDog();
    try {
      for (;;) {
        const { value, done } = await r.read();
        if (done || stopped) return 0;
        feedDog();
        buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (block.indexOf(': watching') === 0) {
            failures = 0;
            on.status('live');
          }
          let event = '';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.indexOf('event:') === 0) event = line.slice(6).trim();
            else if (line.indexOf('data:') === 0) data += (data ? '\n' : '') + line.slice(5).replace(/^ /, '');
          }
          if (!event || !data) continue;
          try {
            const v = JSON.parse(data);
            if (event === 'display') on.display(v as DisplayState);
            else if (event === 'payment') on.payment(v as DisplayPayment);
          } catch { /* a torn event: the next one, or the state sent on reconnect, replaces it */ }
        }
      }
    } finally {
      if (watchdog) clearTimeout(watchdog);
      reader = null;
    }
  };

  const loop = () => {
    if (stopped) return;
    on.status('connecting');
    once().then((code) => {
      if (stopped) return;
      if (code === 401) {
        on.status('unpaired');
        timer = setTimeout(loop, UNPAIRED_RETRY_MS);
      } else {
        timer = setTimeout(loop, BACKOFF_MS[0]!);
      }
    }, () => {
      if (stopped) return;
      on.status('connecting');
      timer = setTimeout(loop, BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)]!);
    });
  };
  loop();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (reader) reader.cancel().catch(() => undefined);
  };
}
