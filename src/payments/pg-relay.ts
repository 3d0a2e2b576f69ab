import pg from 'pg';
import type { Payment } from '../core/domain.ts';
import type { PaymentBus } from './bus.ts';

export const PAYMENT_CHANNEL = 'saoma_payment';

/**
 * Live status across instances on PostgreSQL: every payment state change runs
 * `pg_notify('saoma_payment', '<id> <terminal id>')` inside its transaction (delivered only on commit); each instance
 * LISTENs and re-publishes the committed row to its own subscribers (SSE streams).
 */
export class PgRelay {
  private client: pg.Client | null = null;
  private stopped = false;
  private readonly url: string;
  private readonly bus: PaymentBus;
  private readonly load: (id: string) => Promise<Payment | null>;

  constructor(url: string, bus: PaymentBus, load: (id: string) => Promise<Payment | null>) {
    this.url = url;
    this.bus = bus;
    this.load = load;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      // Load only what someone here is watching: the payment itself, or its terminal's stream.
      const [id, terminalId] = (n.payload ?? '').split(' ');
      if (!id || !this.bus.watched(id, terminalId)) return;
      void this.load(id).then((p) => p && this.bus.publish(p)).catch(() => undefined);
    });
    client.on('error', () => this.reconnect());
    await client.connect();
    await client.query(`LISTEN ${PAYMENT_CHANNEL}`);
    this.client = client;
  }

  private reconnect(): void {
    if (this.stopped) return;
    this.client?.end().catch(() => undefined);
    this.client = null;
    setTimeout(() => void this.start().catch(() => this.reconnect()), 1000).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }
}
