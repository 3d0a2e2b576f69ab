/**
 * The POS's view of its counter: reads `GET /v1/terminals/:id/stream` (Server-Sent Events) the way the
 * terminal does, collecting every `payment` event, so a test can prove a stand payment showed up live.
 */
export interface TerminalFeed {
  events: Array<{ id: string; state: string; terminalId: string; storeId: string; method: string; amount: number }>;
  /** Resolves once the stream is open (the server has subscribed). */
  ready: Promise<void>;
  close(): void;
}

export function watchTerminal(url: string, terminalId: string, token: string): TerminalFeed {
  const ctrl = new AbortController();
  const events: TerminalFeed['events'] = [];
  let opened!: () => void;
  const ready = new Promise<void>((r) => { opened = r; });
  void (async () => {
    const res = await fetch(`${url}/v1/terminals/${terminalId}/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
    if (res.status !== 200 || !res.body) throw new Error(`terminal stream answered ${res.status}`);
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
        if (block.startsWith(': watching')) opened();
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (/^event: payment$/m.test(block) && data) events.push(JSON.parse(data));
      }
    }
  })().catch(() => opened());
  return { events, ready, close: () => ctrl.abort() };
}
