import { SaomaError } from '../core/errors.ts';
import { sha256Hex } from '../security/secrets.ts';
import type { Store, Tx } from '../store/db.ts';
import type { IdempotencyRow } from '../store/schema.ts';

/** A stored first answer, replayed verbatim for a retry with the same key and body. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** How long a key without a stored answer counts as "still being worked on" by another request. */
export const IN_PROGRESS_MS = 15_000;

/** Stable hash of a request body: key order does not matter, values do. */
export function requestHash(body: unknown): string {
  return sha256Hex(stableStringify(body));
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function findKey(store: Store, scope: string, key: string): Promise<IdempotencyRow | undefined> {
  return store.db.selectFrom('idempotency').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

export async function claimKey(tx: Tx, scope: string, key: string, hash: string, resourceId: string, at: string): Promise<void> {
  await tx.insertInto('idempotency').values({
    scope, key, request_hash: hash, resource_id: resourceId, response_status: null, response_body: null, created_at: at,
  }).execute();
}

export async function storeResponse(tx: Tx, scope: string, key: string, res: StoredResponse): Promise<void> {
  await tx.updateTable('idempotency').set({ response_status: res.status, response_body: JSON.stringify(res.body) })
    .where('scope', '=', scope).where('key', '=', key).where('response_status', 'is', null).execute();
}

/**
 * What to answer for a key seen before: the stored answer, a conflict if the body differs, or — when
 * the first request died before answering — `resume`, so the caller can report the resource as it is now.
 */
export function replay(row: IdempotencyRow, hash: string, now = Date.now()): { kind: 'stored'; response: StoredResponse } | { kind: 'resume'; resourceId: string } {
  if (row.request_hash !== hash) {
    throw new SaomaError('idempotency_key_reused', 'This idempotency key (or trade number) was already used with a different request body; use a new key for a new request.');
  }
  if (row.response_status !== null && row.response_body !== null) {
    return { kind: 'stored', response: { status: row.response_status, body: JSON.parse(row.response_body) } };
  }
  if (now - Date.parse(row.created_at) < IN_PROGRESS_MS || !row.resource_id) {
    throw new SaomaError('idempotency_in_progress', 'The first request with this key is still being processed; retry in a few seconds.');
  }
  return { kind: 'resume', resourceId: row.resource_id };
}
