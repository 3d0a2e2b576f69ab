import { watchSse } from '../helpers/sse.ts';

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
  const feed = watchSse(`${url}/v1/terminals/${terminalId}/stream`, token);
  return {
    // The payments among the events so far, read afresh each time.
    get events() { return feed.events.filter((e) => e.event === 'payment').map((e) => e.data); },
    ready: feed.ready,
    close: feed.close,
  };
}
