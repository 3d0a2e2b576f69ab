import type { Sealer } from '../security/secrets.ts';
import { nowIso, type Store } from '../store/db.ts';
import { signWebhook } from './verify.js';
import { post } from '../channels/http.ts';

/**
 * Back-off after each failed attempt, in seconds: 18 attempts (the first and 17 retries) over about 25
 * hours, then the event is parked as `failed` and can be re-sent by hand.
 */
export const RETRY_SCHEDULE_S = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 3600, 7200, 7200, 14400, 14400, 14400, 21600];

export function nextAttemptDelay(attempts: number): number | null {
  return RETRY_SCHEDULE_S[attempts - 1] ?? null;
}

/**
 * Delivers the outbox at least once. Claims due events with a lease (SKIP LOCKED on PostgreSQL, so
 * several instances share the work); a crash mid-delivery lets the lease lapse and the event goes again.
 */
export class WebhookDeliverer {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly timeoutMs: number;

  constructor(store: Store, sealer: Sealer, opts: { timeoutMs?: number } = {}) {
    this.store = store;
    this.sealer = sealer;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async claim(limit: number): Promise<Array<{ id: string; merchant_id: string; payload: string; attempts: number }>> {
    const now = nowIso();
    const lease = new Date(Date.now() + this.timeoutMs + 5000).toISOString();
    return this.store.write(async (tx) => {
      let q = tx.selectFrom('outbox').select(['id', 'merchant_id', 'payload', 'attempts'])
        .where('state', '=', 'pending').where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at').limit(limit);
      if (this.store.flavor === 'pg') q = q.forUpdate().skipLocked();
      const rows = await q.execute();
      if (rows.length) await tx.updateTable('outbox').set({ lease_until: lease }).where('id', 'in', rows.map((r) => r.id)).execute();
      return rows;
    });
  }

  async deliverDue(limit = 50): Promise<number> {
    const due = await this.claim(limit);
    await Promise.all(due.map((e) => this.deliver(e)));
    return due.length;
  }

  private async deliver(e: { id: string; merchant_id: string; payload: string; attempts: number }): Promise<void> {
    const merchant = await this.store.db.selectFrom('merchants').select(['webhook_url', 'webhook_secret_enc']).where('id', '=', e.merchant_id).executeTakeFirst();
    const attempt = e.attempts + 1;
    const started = Date.now();
    if (!merchant?.webhook_url) {
      // Nothing to deliver to: keep the event; it goes out once the merchant sets a URL and re-sends.
      await this.store.write((tx) => tx.updateTable('outbox').set({ state: 'no_endpoint', lease_until: null }).where('id', '=', e.id).execute());
      return;
    }
    let status: number | null = null;
    let error: string | null = null;
    try {
      const signature = signWebhook(this.sealer.open(merchant.webhook_secret_enc), e.payload, Math.floor(Date.now() / 1000));
      const res = await post(merchant.webhook_url,
        { 'content-type': 'application/json', 'saoma-signature': signature, 'saoma-event-id': e.id, 'user-agent': 'Saoma-Webhooks/1' },
        e.payload, this.timeoutMs);
      status = res.status;
    } catch (err) {
      error = (err as Error).message;
    }
    const ok = status !== null && status >= 200 && status < 300;
    const at = nowIso();
    const delay = ok ? null : nextAttemptDelay(attempt);
    await this.store.write(async (tx) => {
      await tx.insertInto('webhook_deliveries').values({
        event_id: e.id, merchant_id: e.merchant_id, attempt, url: merchant.webhook_url!, status, error, duration_ms: Date.now() - started, at,
      }).execute();
      await tx.updateTable('outbox').set({
        attempts: attempt, last_status: status, last_error: error ?? (ok ? null : `HTTP ${status}`), lease_until: null,
        ...(ok ? { state: 'delivered', delivered_at: at }
          : delay === null ? { state: 'failed' }
          : { next_attempt_at: new Date(Date.now() + delay * 1000).toISOString() }),
      }).where('id', '=', e.id).execute();
    });
  }
}
