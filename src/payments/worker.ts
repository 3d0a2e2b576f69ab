import type { WebhookDeliverer } from '../webhooks/deliverer.ts';
import type { PaymentService } from './service.ts';

const PAYMENTS_PER_PASS = 20;
const EVENTS_PER_PASS = 100;

/**
 * The background loop: drive non-final payments and refunds to a final state, and deliver webhooks.
 * Each pass claims a bounded batch; a failure in one item is logged and retried on the next pass.
 */
export class Worker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private readonly service: PaymentService;
  private readonly deliverer: WebhookDeliverer;
  private readonly intervalMs: number;
  private readonly log: (msg: string, err?: unknown) => void;

  constructor(service: PaymentService, deliverer: WebhookDeliverer, opts: { intervalMs?: number; log?: (msg: string, err?: unknown) => void } = {}) {
    this.service = service;
    this.deliverer = deliverer;
    this.intervalMs = opts.intervalMs ?? 250;
    this.log = opts.log ?? (() => undefined);
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(delay = this.intervalMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.pass().then((busy) => this.schedule(busy ? 0 : this.intervalMs)), delay);
    this.timer.unref();
  }

  /**
   * One pass; true when a batch came back full, so the next pass starts at once instead of after the
   * interval (at hundreds of payments a second the webhook backlog must not grow). Public so tests can
   * step the machinery.
   */
  async pass(): Promise<boolean> {
    if (this.running) return false;
    this.running = true;
    try {
      const ids = await this.service.claimDue(PAYMENTS_PER_PASS);
      await Promise.all(ids.map((id) => this.service.drive(id, 'poll').catch((e) => this.log(`payment ${id}`, e))));
      const refunds = await this.service.claimDueRefunds(PAYMENTS_PER_PASS);
      await Promise.all(refunds.map((id) => this.service.driveRefund(id).catch((e) => this.log(`refund ${id}`, e))));
      const events = await this.deliverer.deliverDue(EVENTS_PER_PASS);
      return ids.length === PAYMENTS_PER_PASS || refunds.length === PAYMENTS_PER_PASS || events === EVENTS_PER_PASS;
    } catch (e) {
      this.log('worker pass failed', e);
      return false;
    } finally {
      this.running = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }
}
