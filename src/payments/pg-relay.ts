import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Payment } from '../core/domain.ts';
import type { DisplayPush, PaymentBus } from './bus.ts';

export const PAYMENT_CHANNEL = 'saoma_payment';
export const DISPLAY_CHANNEL = 'saoma_display';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; the display routes keep a state within 7,500. */
export const MAX_DISPLAY_NOTIFY_BYTES = 7_900;

/**
 * Live status across instances on PostgreSQL: every payment state change runs
 * `pg_notify('saoma_payment', '<id> <terminal id>')` inside its transaction (delivered only on commit); each instance
 * LISTENs and re-publishes the committed row to its own subscribers (SSE streams).
 * Customer display pushes (not stored anywhere) travel the same way on their own channel:
 * `'<origin> <terminal id> <at> <state JSON>'`; an instance skips its own, which it has already published.
 */
export class PgRelay {
  private client: pg.Client | null = null;
  private stopped = false;
  private readonly url: string;
  private readonly bus: PaymentBus;
  private readonly load: (id: string) => Promise<Payment | null>;
  private readonly origin = randomBytes(6).toString('hex');

  constructor(url: string, bus: PaymentBus, load: (id: string) => Promise<Payment | null>) {
    this.url = url;
    this.bus = bus;
    this.load = load;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (n.channel === DISPLAY_CHANNEL) return this.displayNotice(n.payload ?? '');
      // Load only what someone here is watching: the payment itself, or its terminal's stream.
      const [id, terminalId] = (n.payload ?? '').split(' ');
      if (!id || !this.bus.watched(id, terminalId)) return;
      void this.load(id).then((p) => p && this.bus.publish(p)).catch(() => undefined);
    });
    client.on('error', () => this.reconnect());
    await client.connect();
    await client.query(`LISTEN ${PAYMENT_CHANNEL}`);
    await client.query(`LISTEN ${DISPLAY_CHANNEL}`);
    this.client = client;
    this.bus.forwardDisplay = (terminalId, state, at) => this.notifyDisplay(terminalId, state, at);
  }

  /** Best effort, like the display itself: while the link to PostgreSQL is down, other instances miss the push. */
  private async notifyDisplay(terminalId: string, state: DisplayPush, at: number): Promise<void> {
    const payload = `${this.origin} ${terminalId} ${at} ${JSON.stringify(state)}`;
    if (!this.client || Buffer.byteLength(payload) > MAX_DISPLAY_NOTIFY_BYTES) return;
    await this.client.query('SELECT pg_notify($1, $2)', [DISPLAY_CHANNEL, payload]).catch(() => undefined);
  }

  private displayNotice(payload: string): void {
    const [origin, terminalId, at] = payload.split(' ', 3);
    if (!origin || !terminalId || !at || origin === this.origin || !/^\d{1,16}$/.test(at)) return;
    try {
      const state = JSON.parse(payload.slice(origin.length + terminalId.length + at.length + 3)) as DisplayPush;
      if (state && typeof state.view === 'string') void this.bus.publishDisplay(terminalId, state, { at: Number(at) });
    } catch { /* not ours to judge: a torn payload is skipped, the next push replaces it */ }
  }

  private reconnect(): void {
    if (this.stopped) return;
    this.client?.end().catch(() => undefined);
    this.client = null;
    setTimeout(() => void this.start().catch(() => this.reconnect()), 1000).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.bus.forwardDisplay = null;
    await this.client?.end().catch(() => undefined);
  }
}
