import type { FastifyInstance } from 'fastify';

/**
 * The misbehaviour every wallet emulator can be told to show, for all its accounts or for one account,
 * so tests drive the payment core through each fault on each wallet with the same vocabulary.
 *
 * Counters (`…Next`) are consumed one request at a time; flags hold until changed.
 */
export interface Faults {
  /** Every reply waits this long first. */
  latencyMs: number;
  /** The next N requests are never answered (the client's deadline fires); nothing is done. */
  hangNext: number;
  /** The next N calls answer the wallet's own system error; nothing is done. */
  systemErrorNext: number;
  /** The next N calls are carried out, then the reply is lost (HTTP 502): the caller cannot know. */
  lostReplyNext: number;
  /** The next N calls are carried out, but answer with a result code nobody documented. */
  unknownResultNext: number;
  /** Codes in the "customer confirming" scenario stay in it this long … */
  userPayingMs: number;
  /** … and then end like this. */
  userPayingThen: 'paid' | 'declined';
  /** Replies and notifications are signed with a key that is not the wallet's. */
  badSignature: boolean;
  /** Every notification is sent twice. */
  duplicateNotify: boolean;
  /** A stale notification (an earlier state of the trade) is sent after the final one. */
  outOfOrderNotify: boolean;
  /**
   * The day's bill file: as booked, or with a trade left out, an extra trade nobody made, a wrong amount,
   * a wrong fee, cut short, or with the day's first trade stamped just after midnight (so it is on the
   * next day's bill instead).
   */
  billAnomaly: BillAnomaly;
}

export const DEFAULT_FAULTS: Faults = {
  latencyMs: 0,
  hangNext: 0,
  systemErrorNext: 0,
  lostReplyNext: 0,
  unknownResultNext: 0,
  userPayingMs: 3000,
  userPayingThen: 'paid',
  badSignature: false,
  duplicateNotify: false,
  outOfOrderNotify: false,
  billAnomaly: 'none',
};

export const BILL_ANOMALIES = ['none', 'missing', 'extra', 'amount', 'fee', 'truncated', 'midnight'] as const;
export type BillAnomaly = typeof BILL_ANOMALIES[number];

type Counter = 'hangNext' | 'systemErrorNext' | 'lostReplyNext' | 'unknownResultNext';

/** Faults for the whole emulator, overridden per account (app id, mch id, merId …). */
export class FaultBook {
  private global: Faults;
  private readonly perAccount = new Map<string, Partial<Faults>>();

  constructor(initial: Partial<Faults> = {}) {
    this.global = { ...DEFAULT_FAULTS, ...initial };
  }

  /** The faults in force for one account. */
  for(account: string | undefined): Faults {
    const own = account === undefined ? undefined : this.perAccount.get(account);
    return own ? { ...this.global, ...own } : this.global;
  }

  /** Set faults for everyone, or for one account when `account` is given. Returns what is now in force. */
  set(change: Partial<Faults>, account?: string): Faults {
    const clean = validFaults(change);
    if (account === undefined) this.global = { ...this.global, ...clean };
    else this.perAccount.set(account, { ...this.perAccount.get(account), ...clean });
    return this.for(account);
  }

  reset(): void {
    this.global = { ...DEFAULT_FAULTS };
    this.perAccount.clear();
  }

  /** Uses up one of a counter fault; true when this request is the one that misbehaves. */
  take(account: string | undefined, counter: Counter): boolean {
    const own = account === undefined ? undefined : this.perAccount.get(account);
    if (own && (own[counter] ?? 0) > 0) {
      own[counter] = own[counter]! - 1;
      return true;
    }
    if (this.global[counter] > 0) {
      this.global = { ...this.global, [counter]: this.global[counter] - 1 };
      return true;
    }
    return false;
  }

  /**
   * Waits out the latency fault; when a hang is due, never settles, so the request is neither answered
   * nor carried out (the caller's deadline ends it and the connection closes).
   */
  async delay(account: string | undefined): Promise<void> {
    const f = this.for(account);
    if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (this.take(account, 'hangNext')) await new Promise<never>(() => undefined);
  }
}

/** Refuses fault settings that are not ones we know, so a typo in a test fails loudly. */
export function validFaults(change: unknown): Partial<Faults> {
  if (!change || typeof change !== 'object' || Array.isArray(change)) throw new TypeError('faults must be a JSON object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(change)) {
    if (!(k in DEFAULT_FAULTS)) throw new TypeError(`unknown fault "${k}"; known: ${Object.keys(DEFAULT_FAULTS).join(', ')}`);
    const expected = DEFAULT_FAULTS[k as keyof Faults];
    if (typeof v !== typeof expected) throw new TypeError(`fault "${k}" must be a ${typeof expected}`);
    if (typeof v === 'number' && (!Number.isInteger(v) || v < 0)) throw new TypeError(`fault "${k}" must be a whole number ≥ 0`);
    if (k === 'userPayingThen' && v !== 'paid' && v !== 'declined') throw new TypeError('userPayingThen is "paid" or "declined"');
    if (k === 'billAnomaly' && !(BILL_ANOMALIES as readonly string[]).includes(v as string)) throw new TypeError(`billAnomaly is one of ${BILL_ANOMALIES.join(', ')}`);
    out[k] = v;
  }
  return out as Partial<Faults>;
}

/**
 * The emulator's control routes: `GET /emulator/faults[?account=…]`, `PUT /emulator/faults[?account=…]`
 * with a JSON body of faults, `DELETE /emulator/faults` to clear every fault.
 */
export function faultRoutes(app: FastifyInstance, book: FaultBook): void {
  app.get<{ Querystring: { account?: string } }>('/emulator/faults', async (request) => book.for(request.query.account));
  app.put<{ Querystring: { account?: string } }>('/emulator/faults', async (request, reply) => {
    let change: unknown = request.body;
    if (typeof change === 'string') {
      try { change = JSON.parse(change); } catch { return reply.code(400).send({ error: 'body must be JSON' }); }
    }
    try {
      return book.set(validFaults(change), request.query.account);
    } catch (e) {
      return reply.code(400).send({ error: (e as Error).message });
    }
  });
  app.delete('/emulator/faults', async () => {
    book.reset();
    return book.for(undefined);
  });
}
