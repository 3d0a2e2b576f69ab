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

  /**
   * One pass: claim due events, send them all at once, then record every outcome in one write (one
   * multi-row insert into the delivery log and one update per kind of outcome), so the relay costs the
   * store a couple of statements per pass rather than several per event.
   */
  async deliverDue(limit = 50): Promise<number> {
    const due = await this.claim(limit);
    if (due.length === 0) return 0;
    const ids = [...new Set(due.map((e) => e.merchant_id))];
    const merchants = new Map((await this.store.db.selectFrom('merchants').select(['id', 'webhook_url', 'webhook_secret_enc'])
      .where('id', 'in', ids).execute()).map((m) => [m.id, m]));
    const outcomes = await Promise.all(due.map((e) => this.send(e, merchants.get(e.merchant_id))));
    const at = nowIso();
    await this.store.write(async (tx) => {
      const tried = outcomes.filter((o) => o.url !== null);
      if (tried.length) {
        await tx.insertInto('webhook_deliveries').values(tried.map((o) => ({
          event_id: o.id, merchant_id: o.merchantId, attempt: o.attempt, url: o.url!, status: o.status, error: o.error, duration_ms: o.durationMs, at,
        }))).execute();
      }
      const noEndpoint = outcomes.filter((o) => o.url === null).map((o) => o.id);
      // Nothing to deliver to: the event waits; it goes out once the merchant sets a URL.
      if (noEndpoint.length) await tx.updateTable('outbox').set({ state: 'no_endpoint', lease_until: null }).where('id', 'in', noEndpoint).execute();
      const delivered = tried.filter((o) => o.ok);
      const groups = new Map<string, typeof delivered>();
      for (const o of delivered) groups.set(`${o.attempt}:${o.status}`, [...(groups.get(`${o.attempt}:${o.status}`) ?? []), o]);
      for (const group of groups.values()) {
        await tx.updateTable('outbox').set({ state: 'delivered', delivered_at: at, attempts: group[0]!.attempt, last_status: group[0]!.status, last_error: null, lease_until: null })
          .where('id', 'in', group.map((o) => o.id)).execute();
      }
      for (const o of tried.filter((x) => !x.ok)) {
        const delay = nextAttemptDelay(o.attempt);
        await tx.updateTable('outbox').set({
          attempts: o.attempt, last_status: o.status, last_error: o.error ?? `HTTP ${o.status}`, lease_until: null,
          ...(delay === null ? { state: 'failed' } : { next_attempt_at: new Date(Date.now() + delay * 1000).toISOString() }),
        }).where('id', '=', o.id).execute();
      }
    });
    return due.length;
  }

  private async send(
    e: { id: string; merchant_id: string; payload: string; attempts: number },
    merchant: { webhook_url: string | null; webhook_secret_enc: string } | undefined,
  ): Promise<{ id: string; merchantId: string; attempt: number; url: string | null; status: number | null; error: string | null; ok: boolean; durationMs: number }> {
    const attempt = e.attempts + 1;
    const started = Date.now();
    const url = merchant?.webhook_url ?? null;
    if (!merchant || !url) return { id: e.id, merchantId: e.merchant_id, attempt, url: null, status: null, error: null, ok: false, durationMs: 0 };
    let status: number | null = null;
    let error: string | null = null;
    try {
      const signature = signWebhook(this.sealer.open(merchant.webhook_secret_enc), e.payload, Math.floor(Date.now() / 1000));
      const res = await post(url,
        { 'content-type': 'application/json', 'saoma-signature': signature, 'saoma-event-id': e.id, 'user-agent': 'Saoma-Webhooks/1' },
        e.payload, this.timeoutMs);
      status = res.status;
    } catch (err) {
      error = (err as Error).message;
    }
    const ok = status !== null && status >= 200 && status < 300;
    return { id: e.id, merchantId: e.merchant_id, attempt, url, status, error, ok, durationMs: Date.now() - started };
  }
}
