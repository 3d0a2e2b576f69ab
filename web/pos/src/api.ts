/** The Saoma API as the POS uses it: bearer token, the cashier's language, errors as the API words them. */
export type PaymentState = 'created' | 'pending' | 'waiting_customer' | 'unknown' | 'succeeded' | 'failed' | 'closed' | 'reversed';
export const FINAL_STATES: readonly PaymentState[] = ['succeeded', 'failed', 'closed', 'reversed'];

export interface Payment {
  id: string;
  outTradeNo: string;
  method: 'dynamic_qr' | 'payment_code' | 'cash';
  channel: string;
  amount: number;
  currency: string;
  state: PaymentState;
  qrCode: string | null;
  expiresAt: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  saleId: string | null;
  /** Cash only: what the customer handed over, and the change given back. */
  tendered: number | null;
  change: number | null;
  updatedAt: string;
}

export interface TerminalInfo {
  terminalId: string;
  merchantId: string;
  storeId: string;
  operators: Array<{ id: string; name: string; role: string }>;
  /** The wallets this store offers (newer servers). */
  channels?: string[];
  sandbox?: boolean;
  /** The server's payment-code rules, as written in a rules file (newer servers). */
  paycodeRules?: unknown[];
}

export interface Session { token: string; expiresAt: string; operator: { id: string; name: string; role: string } }

/** An answer from the API that is an error: its stable code and its (localized) message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}
/** No answer at all (network down, server gone): the outcome of a mutating call is unknown. */
export class NetworkError extends Error {}

export interface Client { token: string; lang: string }

export async function call<T>(c: Client, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${c.token}`,
        'accept-language': c.lang,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    throw new NetworkError((e as Error).message);
  }
  const text = await res.text().catch(() => '');
  let data: unknown = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status >= 500 && !err) throw new NetworkError(`HTTP ${res.status}`);
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
  }
  return data as T;
}

/** A random id from crypto.getRandomValues (crypto.randomUUID needs Chrome 92). */
export function randomId(prefix: string): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! + 0x100).toString(16).slice(1);
  return `${prefix}${s}`;
}

/**
 * Server-Sent Events over fetch (EventSource cannot send the Authorization header). Calls `onPayment`
 * for every `event: payment`; resolves when the server ends the stream, rejects when the link drops.
 * `stop()` cancels the reader.
 */
export function streamPayment(c: Client, id: string, onPayment: (p: Payment) => void): { done: Promise<void>; stop(): void } {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let stopped = false;
  const done = (async () => {
    const res = await fetch(`/v1/payments/${encodeURIComponent(id)}/stream`, {
      headers: { authorization: `Bearer ${c.token}`, accept: 'text/event-stream', 'accept-language': c.lang },
    });
    if (!res.ok || !res.body) throw new NetworkError(`stream HTTP ${res.status}`);
    reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      if (stopped) return;
      const { value, done: end } = await reader.read();
      if (end) return;
      buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.indexOf('event:') === 0) event = line.slice(6).trim();
          else if (line.indexOf('data:') === 0) data += (data ? '\n' : '') + line.slice(5).replace(/^ /, '');
        }
        if (event === 'payment' && data) {
          try { onPayment(JSON.parse(data) as Payment); } catch { /* a torn event: the next one or a query settles it */ }
        }
      }
    }
  })();
  return {
    done,
    stop() {
      stopped = true;
      if (reader) reader.cancel().catch(() => undefined);
    },
  };
}
