import type { WebhookDeliverer } from '../webhooks/deliverer.ts';
import type { PaymentService } from './service.ts';

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

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.pass().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  /** One pass; exported for tests that want to step the machinery deterministically. */
  async pass(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const ids = await this.service.claimDue(20);
      await Promise.all(ids.map((id) => this.service.drive(id, 'poll').catch((e) => this.log(`payment ${id}`, e))));
      const refunds = await this.service.claimDueRefunds(20);
      await Promise.all(refunds.map((id) => this.service.driveRefund(id).catch((e) => this.log(`refund ${id}`, e))));
      await this.deliverer.deliverDue(50);
    } catch (e) {
      this.log('worker pass failed', e);
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
