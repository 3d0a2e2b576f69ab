import type { Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';

export type EventType =
  | 'payment.succeeded' | 'payment.failed' | 'payment.closed' | 'payment.reversed'
  | 'refund.succeeded' | 'refund.failed' | 'sale.completed' | 'sale.cancelled';

export interface WebhookEvent<T = unknown> {
  id: string;
  type: EventType;
  created_at: string;
  data: T;
}

/** Written in the same transaction as the state change it reports, so an event exists iff the change committed. */
export async function enqueueEvent(tx: Tx, merchantId: string, type: EventType, data: unknown, at: string): Promise<string> {
  const id = newId('evt');
  const event: WebhookEvent = { id, type, created_at: at, data };
  await tx.insertInto('outbox').values({
    id, merchant_id: merchantId, event_type: type, payload: JSON.stringify(event), state: 'pending', attempts: 0,
    next_attempt_at: at, lease_until: null, last_status: null, last_error: null, created_at: at, delivered_at: null,
  }).execute();
  return id;
}
