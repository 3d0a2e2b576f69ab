/**
 * A Server-Sent Events stream read the way our clients read it (fetch with a bearer token, since
 * EventSource cannot send one), collecting every named event with its JSON data.
 */
export interface SseFeed {
  events: Array<{ event: string; data: any }>;
  /** Resolves once the stream is open (the server sent its first comment: it has subscribed). */
  ready: Promise<void>;
  /** The HTTP status the stream answered with (0 when the connection failed). */
  status: Promise<number>;
  close(): void;
}

export function watchSse(url: string, token: string): SseFeed {
  const ctrl = new AbortController();
  const events: SseFeed['events'] = [];
  let opened!: () => void;
  let answered!: (n: number) => void;
  const ready = new Promise<void>((r) => { opened = r; });
  const status = new Promise<number>((r) => { answered = r; });
  void (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
    answered(res.status);
    if (res.status !== 200 || !res.body) return opened();
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (block.startsWith(':')) opened();
        const ev = /^event: (\w+)$/m.exec(block)?.[1];
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
      }
    }
  })().catch(() => { answered(0); opened(); });
  return { events, ready, status, close: () => ctrl.abort() };
}
