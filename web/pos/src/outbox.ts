/**
 * The terminal's outbox: every sale and tender line is written to IndexedDB with its client-made key
 * BEFORE any request, then sent; what got no answer is sent again with the same key and body (on
 * `online`, on a timer, at start), so the server's idempotency makes a retry safe. Lines the server
 * has are followed to a final state (the payment's live stream, a read when it drops), including after
 * a reload. Nothing here ever decides a payment is paid: only the server's answer does.
 */
import { ApiError, call, randomId, streamPayment, type Client, type Payment } from './api.ts';
import { openDb, type Db } from './idb.ts';
import {
  answerKind, inFlight, isFinal, nextStep, removeCheck, unsynced,
  type LineBody, type LineRecord, type RemoveCheck, type SaleItem, type SaleRecord,
} from './tender-rules.ts';

interface ServerSale { id: string; state: 'open' | 'completed' | 'cancelled'; paid: number; change: number; payments?: Payment[] }

export interface OutboxView {
  ready: boolean;
  /** The sale on the counter: the newest one the cashier has not moved on from. */
  sale: SaleRecord | null;
  lines: LineRecord[];
  /** Records the server has not acknowledged. */
  pending: number;
  /** A wallet line still moving, anywhere in the outbox. */
  busy: boolean;
  /** Lines whose live status is lost for now (shown as "unknown" until the server answers again). */
  lost: Record<string, boolean>;
  /** The last request got no answer at all. */
  offline: boolean;
}

export interface OutboxHooks {
  /** A line has just been confirmed paid by the server (the "到账" moment). */
  onPaid?(line: LineRecord): void;
  /** The session was refused (expired): the app drops it and the outbox goes on with the device token. */
  onAuthLost?(): void;
}

const DAY = 24 * 3600 * 1000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const byAt = <T extends { at: number }>(a: T, b: T) => a.at - b.at;

export class Outbox {
  private sales: Record<string, SaleRecord> = {};
  private lines: Record<string, LineRecord> = {};
  private lost: Record<string, boolean> = {};
  private listeners: Array<() => void> = [];
  private running = false;
  private again = false;
  private offline = false;
  private ready = false;
  private stopped = false;
  private followers: Record<string, () => void> = {};
  private cancelSent: Record<string, boolean> = {};
  private timer: ReturnType<typeof setInterval> | null = null;
  private persistAsked = false;
  private readonly kickNow = () => this.kick();

  constructor(private readonly db: Db, private readonly client: () => Client | null, private readonly hooks: OutboxHooks = {}) {}

  static async open(client: () => Client | null, hooks: OutboxHooks = {}): Promise<Outbox> {
    return new Outbox(await openDb('saoma-pos', ['sales', 'lines']), client, hooks);
  }

  /** Load what an earlier page left (a reload, a crash, a power cut) and resume it. */
  async start(): Promise<void> {
    const sales = await this.db.all<SaleRecord>('sales');
    const lines = await this.db.all<LineRecord>('lines');
    for (const s of sales) this.sales[s.key] = s;
    for (const l of lines) this.lines[l.key] = l;
    await this.prune();
    this.ready = true;
    window.addEventListener('online', this.kickNow);
    this.timer = setInterval(this.kickNow, 4000);
    this.emit();
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.kickNow);
    if (this.timer) clearInterval(this.timer);
    for (const k of Object.keys(this.followers)) this.followers[k]!();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => { this.listeners = this.listeners.filter((f) => f !== fn); };
  }

  view(): OutboxView {
    const sales = Object.keys(this.sales).map((k) => this.sales[k]!).sort(byAt);
    const all = Object.keys(this.lines).map((k) => this.lines[k]!).sort(byAt);
    const open = sales.filter((s) => !s.closed);
    const sale = open.length ? open[open.length - 1]! : null;
    return {
      ready: this.ready,
      sale,
      lines: sale ? all.filter((l) => l.saleKey === sale.key) : [],
      pending: unsynced(sales, all),
      busy: all.some((l) => inFlight(l) && !!this.sales[l.saleKey] && !this.sales[l.saleKey]!.refused),
      lost: { ...this.lost },
      offline: this.offline,
    };
  }

  /** Record a new sale (written before it is sent). */
  async openSale(amount: number, items: SaleItem[]): Promise<SaleRecord> {
    this.askPersistence();
    const s: SaleRecord = { key: randomId('sale-'), at: Date.now(), amount, currency: 'CNY', items, saleId: null, refused: null, state: null, paid: 0, change: 0, closed: false };
    await this.saveSale(s);
    this.kick();
    return s;
  }

  /** Record a tender line with its key and body (written before it is sent). */
  async addLine(saleKey: string, body: Omit<LineBody, 'outTradeNo' | 'currency'>): Promise<LineRecord> {
    const l: LineRecord = {
      key: randomId('line-'), saleKey, at: Date.now(), body: { ...body, outTradeNo: randomId('POS'), currency: 'CNY' },
      paymentId: null, payment: null, refused: null, refusedStatus: 0, cancelWanted: false, removed: false, note: null,
    };
    await this.saveLine(l);
    this.kick();
    return l;
  }

  /** The cashier removes a line: at once if it ended unpaid; a line in progress is cancelled at the wallet first. */
  async remove(key: string): Promise<RemoveCheck> {
    const l = this.lines[key];
    if (!l) return 'remove';
    const check = removeCheck(l);
    if (check === 'remove') await this.saveLine({ ...l, removed: true });
    else if (check === 'cancelFirst' && !l.cancelWanted) {
      await this.saveLine({ ...l, cancelWanted: true, note: null });
      this.kick();
    }
    return check;
  }

  /** Leave the sale on the counter (completed, or voided with nothing paid or in flight). */
  /**
   * Void the sale the customer walked away from: cancelled at the server too (so it is not left open
   * in the books), then closed here. The server's refusal is returned as its message; with no answer
   * the sale is closed here anyway (nothing was paid on it) and stays open there, which is harmless.
   */
  async voidSale(saleKey: string): Promise<string | null> {
    const s = this.sales[saleKey];
    const c = this.client();
    if (s && s.saleId && c) {
      try {
        await call(c, 'POST', `/v1/sales/${encodeURIComponent(s.saleId)}/cancel`);
      } catch (e) {
        if (e instanceof ApiError) return e.message;
      }
    }
    await this.close(saleKey);
    return null;
  }

  async close(saleKey: string): Promise<void> {
    const s = this.sales[saleKey];
    if (s) await this.saveSale({ ...s, closed: true });
  }

  /** "Query now": ask the wallet through the server, then read the payment. */
  async queryNow(key: string): Promise<void> {
    const l = this.lines[key];
    const c = this.client();
    if (!l || !l.paymentId || !c) return;
    await call(c, 'POST', `/v1/payments/${encodeURIComponent(l.paymentId)}/query`, undefined, { 'idempotency-key': randomId('q-') }).catch(() => undefined);
    await this.readLine(key);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = true;
    void (async () => {
      try {
        do { this.again = false; await this.pass(); } while (this.again && !this.stopped);
      } finally { this.running = false; }
    })();
  }

  // ------------------------------------------------------------------ the replay pass

  private async pass(): Promise<void> {
    const c = this.client();
    if (!c) return;
    try {
      if (this.offline) {
        // Nothing may be waiting to go, yet the badge says "offline": any answer from the server ends that.
        await this.send(() => call(c, 'GET', '/v1/terminal'));
      }
      for (const s of Object.keys(this.sales).map((k) => this.sales[k]!).sort(byAt)) {
        if (!s.saleId && !s.refused && !s.closed) await this.createSale(c, s.key);
      }
      for (const l of Object.keys(this.lines).map((k) => this.lines[k]!).sort(byAt)) {
        const sale = this.sales[l.saleKey];
        if (!sale) continue;
        const step = nextStep(sale, l);
        if (step === 'create') await this.createLine(c, l.key);
        else if (step === 'cancel' && !this.cancelSent[l.key]) await this.cancelLine(c, l.key);
        else if (step === 'follow' || step === 'cancel') this.follow(l.key);
      }
      for (const s of Object.keys(this.sales).map((k) => this.sales[k]!)) {
        if (s.saleId && !s.closed && s.state !== 'completed' && this.settled(s.key)) await this.readSale(s.key);
      }
    } catch (e) {
      if (!(e instanceof Offline)) throw e;
      // No answer: everything stays recorded; the timer or `online` tries again with the same keys.
    }
  }

  /** Every line of the sale is final or unsent-and-refused, and at least one has changed since the sale was read. */
  private settled(saleKey: string): boolean {
    const s = this.sales[saleKey]!;
    const ls = Object.keys(this.lines).map((k) => this.lines[k]!).filter((l) => l.saleKey === saleKey && !l.refused && !l.removed);
    const paid = ls.filter((l) => l.payment && l.payment.state === 'succeeded').reduce((n, l) => n + l.payment!.amount, 0);
    return paid !== s.paid && ls.every((l) => !!l.payment && isFinal(l.payment.state));
  }

  private async send<T>(fn: () => Promise<T>): Promise<T | ApiError> {
    try {
      const r = await fn();
      this.setOffline(false);
      return r;
    } catch (e) {
      if (e instanceof ApiError && answerKind(e) === 'refused') { this.setOffline(false); return e; }
      if (e instanceof ApiError && e.status === 401) this.hooks.onAuthLost?.();
      if (!(e instanceof ApiError)) this.setOffline(true);
      throw new Offline();
    }
  }

  private async createSale(c: Client, key: string): Promise<void> {
    const s = this.sales[key]!;
    const body: Record<string, unknown> = { amount: s.amount, currency: s.currency };
    if (s.items.length) body.items = s.items;
    const r = await this.send(() => call<ServerSale>(c, 'POST', '/v1/sales', body, { 'idempotency-key': s.key }));
    const now = this.sales[key]!;
    if (r instanceof ApiError) await this.saveSale({ ...now, refused: r.message });
    else await this.saveSale({ ...now, saleId: r.id, state: r.state, paid: r.paid, change: r.change });
  }

  private async createLine(c: Client, key: string): Promise<void> {
    const l = this.lines[key]!;
    const sale = this.sales[l.saleKey]!;
    const r = await this.send(() => call<Payment>(c, 'POST', '/v1/payments', { ...l.body, saleId: sale.saleId }, { 'idempotency-key': l.key }));
    const now = this.lines[key]!;
    if (r instanceof ApiError) {
      await this.saveLine({ ...now, refused: r.message, refusedStatus: r.status });
      return;
    }
    await this.saveLine({ ...now, paymentId: r.id });
    await this.apply(key, r);
  }

  private async cancelLine(c: Client, key: string): Promise<void> {
    const l = this.lines[key]!;
    const r = await this.send(() => call<Payment>(c, 'POST', `/v1/payments/${encodeURIComponent(l.paymentId!)}/cancel`));
    if (r instanceof ApiError) {
      await this.saveLine({ ...this.lines[key]!, cancelWanted: false, note: r.message });
      return;
    }
    this.cancelSent[key] = true;
    await this.apply(key, r);
    if (!isFinal(r.state)) this.follow(key);
  }

  /** Follow a line's payment live until it is final; a dropped stream means a read, then the stream again. */
  private follow(key: string): void {
    if (this.followers[key]) return;
    let stopped = false;
    let stopStream = () => undefined as void;
    this.followers[key] = () => { stopped = true; stopStream(); };
    void (async () => {
      try {
        for (;;) {
          const l = this.lines[key];
          const c = this.client();
          if (stopped || this.stopped || !l || !l.paymentId || !c || isFinal(l.payment ? l.payment.state : null)) return;
          const s = streamPayment(c, l.paymentId, (p) => { this.setLost(key, false); void this.apply(key, p); });
          stopStream = s.stop;
          try { await s.done; } catch { /* the link dropped */ }
          const now = this.lines[key];
          if (stopped || !now || isFinal(now.payment ? now.payment.state : null)) return;
          await this.readLine(key);
          await sleep(1500);
        }
      } finally { delete this.followers[key]; }
    })();
  }

  private async readLine(key: string): Promise<void> {
    const l = this.lines[key];
    const c = this.client();
    if (!l || !l.paymentId || !c) return;
    try {
      const p = await call<Payment>(c, 'GET', `/v1/payments/${encodeURIComponent(l.paymentId)}`);
      this.setOffline(false);
      this.setLost(key, false);
      await this.apply(key, p);
    } catch (e) {
      if (!(e instanceof ApiError)) this.setOffline(true);
      this.setLost(key, true);
    }
  }

  private async readSale(saleKey: string): Promise<void> {
    const s = this.sales[saleKey];
    const c = this.client();
    if (!s || !s.saleId || !c) return;
    const r = await this.send(() => call<ServerSale>(c, 'GET', `/v1/sales/${encodeURIComponent(s.saleId!)}`));
    if (r instanceof ApiError) return;
    for (const p of r.payments ?? []) {
      const l = Object.keys(this.lines).map((k) => this.lines[k]!).find((x) => x.paymentId === p.id);
      if (l) await this.apply(l.key, p);
    }
    await this.saveSale({ ...this.sales[saleKey]!, state: r.state, paid: r.paid, change: r.change });
  }

  /** Take the server's payment into a line: states only move forward; a final unpaid line being removed goes. */
  private async apply(key: string, p: Payment): Promise<void> {
    const l = this.lines[key];
    if (!l) return;
    const before = l.payment;
    if (before && isFinal(before.state)) return;
    if (before && before.state === p.state && before.updatedAt === p.updatedAt && before.qrCode === p.qrCode) return;
    const removed = l.removed || (l.cancelWanted && isFinal(p.state) && p.state !== 'succeeded');
    const note = l.cancelWanted && p.state === 'succeeded' ? 'paidBeforeCancel' : l.note;
    const next = { ...l, paymentId: p.id, payment: p, removed, cancelWanted: l.cancelWanted && !isFinal(p.state), note };
    await this.saveLine(next);
    if (p.state === 'succeeded' && (!before || before.state !== 'succeeded')) this.hooks.onPaid?.(next);
    if (isFinal(p.state)) {
      delete this.cancelSent[key];
      this.kick();
    }
  }

  // ------------------------------------------------------------------ storage

  /*
   * Memory first, then disk: every change is computed from the record as it is in memory at that moment
   * (no await in between), so two changes racing (a payment update and the cashier's remove) both keep.
   * IndexedDB applies the puts in order, so the disk ends at the latest record too. Callers await the put
   * before sending anything.
   */
  private async saveSale(s: SaleRecord): Promise<void> {
    this.sales[s.key] = s;
    this.emit();
    await this.db.put('sales', s);
  }

  private async saveLine(l: LineRecord): Promise<void> {
    this.lines[l.key] = l;
    this.emit();
    await this.db.put('lines', l);
  }

  /** Sales left behind more than a day ago with nothing unsent are dropped (the server keeps them). */
  private async prune(): Promise<void> {
    const old = Date.now() - DAY;
    for (const k of Object.keys(this.sales)) {
      const s = this.sales[k]!;
      if (!s.closed || s.at > old) continue;
      const ls = Object.keys(this.lines).map((x) => this.lines[x]!).filter((l) => l.saleKey === k);
      if (ls.some((l) => nextStep(s, l) !== 'none')) continue;
      for (const l of ls) { await this.db.remove('lines', l.key); delete this.lines[l.key]; }
      await this.db.remove('sales', k);
      delete this.sales[k];
    }
  }

  private askPersistence(): void {
    if (this.persistAsked) return;
    this.persistAsked = true;
    const st = navigator.storage;
    // Keeps IndexedDB from being evicted under storage pressure (Chrome 55+); a refusal changes nothing else.
    if (st && st.persisted && st.persist) void st.persisted().then((yes) => (yes ? true : st.persist())).catch(() => undefined);
  }

  private setLost(key: string, lost: boolean): void {
    if (!!this.lost[key] === lost) return;
    if (lost) this.lost[key] = true; else delete this.lost[key];
    this.emit();
  }

  private setOffline(v: boolean): void {
    if (this.offline === v) return;
    this.offline = v;
    this.emit();
  }

  private emit(): void {
    for (const f of this.listeners.slice()) f();
  }
}

/** Thrown inside a pass when a request got no answer: the rest waits for the next pass. */
class Offline extends Error {}
