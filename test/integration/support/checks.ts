import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { signedHeaders } from '../../../src/security/request-signing.ts';
import type { TestServer } from '../../helpers/server.ts';

export type Res = { status: number; body: any; text?: string };
export type Key = { id: string; secret: string };

/**
 * Every table an API request can write. `nonces` is tracked separately: a valid signature records its
 * nonce. `channel_notifications` is left out: the sandbox wallet notifies asynchronously about earlier,
 * accepted wallet payments, at any moment; refused payments are checked against the wallet's own books.
 */
export const TABLES = [
  'merchants', 'stores', 'terminals', 'operators', 'operator_sessions', 'api_keys', 'idempotency', 'sales',
  'payments', 'payment_events', 'refunds', 'journals', 'postings', 'outbox', 'webhook_deliveries',
] as const;

const LEAK = [
  /\n\s*at\s/, // a stack frame line
  /^\s*at\s/m,
  /\bat\s+[\w.<>$]+\s+\(/, // "at fn (" frame
  /[\w./-]+\.(?:ts|js|mjs|cjs):\d+/, // file:line
  /\/work\/|\/home\/|\/tmp\/|node_modules|file:\/\//,
  /\b(?:SQLITE_|ECONNREFUSED|TypeError|ReferenceError|SyntaxError: Unexpected)/,
];

/** The response is a stable-code error: exact status, `{error:{code,message[,details]}}` and nothing else, no stack. */
export function expectError(res: Res, status: number, code: string, messageLike?: RegExp): { code: string; message: string; details?: any } {
  const where = `${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, status, `expected HTTP ${status} ${code}, got ${where}`);
  assertErrorShape(res);
  assert.equal(res.body.error.code, code, `expected code ${code}, got ${where}`);
  if (messageLike) assert.match(res.body.error.message, messageLike, `message of ${where}`);
  return res.body.error;
}

/** Shape only: used for every error the suites see. */
export function assertErrorShape(res: Res): void {
  const where = `${res.status} ${JSON.stringify(res.body)}`;
  assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx, got ${where}`);
  assert.ok(res.body && typeof res.body === 'object' && !Array.isArray(res.body), `error body is not a JSON object: ${where}`);
  assert.deepEqual(Object.keys(res.body), ['error'], `error body has extra top-level keys: ${where}`);
  const e = res.body.error;
  assert.ok(e && typeof e === 'object', `error is not an object: ${where}`);
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'details'].includes(k), `unexpected key error.${k}: ${where}`);
  assert.equal(typeof e.code, 'string');
  assert.match(e.code, /^[a-z_]+$/, `code is not a stable snake_case code: ${where}`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.trim().length >= 10, `message is not a clear sentence: ${where}`);
  if ('details' in e) assert.ok(e.details && typeof e.details === 'object', `details must be an object: ${where}`);
  const text = res.text ?? JSON.stringify(res.body);
  for (const re of LEAK) assert.doesNotMatch(text, re, `error body leaks internals: ${text}`);
}

export interface Snapshot {
  counts: Record<string, number>;
  nonces: number;
  rows: Record<string, string>;
}

async function count(s: TestServer, table: string): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(s.rt.store.db);
  return Number(r.rows[0]!.n);
}

/**
 * Row counts of every table, plus the mutable columns of the rows a rejected request could update in
 * place (a refund bumping `refunded`, a tender bumping a sale, a webhook URL, a PIN counter, a revoked key).
 */
export async function snapshot(s: TestServer): Promise<Snapshot> {
  const db = s.rt.store.db;
  const counts: Record<string, number> = {};
  for (const t of TABLES) counts[t] = await count(s, t);
  const rows: Record<string, string> = {
    payments: JSON.stringify(await db.selectFrom('payments').select(['id', 'state', 'amount', 'refunded', 'sale_id', 'change']).orderBy('id').execute()),
    sales: JSON.stringify(await db.selectFrom('sales').select(['id', 'state', 'paid', 'change']).orderBy('id').execute()),
    refunds: JSON.stringify(await db.selectFrom('refunds').select(['id', 'state', 'amount']).orderBy('id').execute()),
    merchants: JSON.stringify(await db.selectFrom('merchants').select(['id', 'name', 'timezone', 'currency', 'webhook_url', 'webhook_secret_enc']).orderBy('id').execute()),
    stores: JSON.stringify(await db.selectFrom('stores').select(['id', 'name', 'merchant_id']).orderBy('id').execute()),
    operators: JSON.stringify(await db.selectFrom('operators').select(['id', 'failed_attempts', 'locked_until']).orderBy('id').execute()),
    api_keys: JSON.stringify(await db.selectFrom('api_keys').select(['id', 'revoked_at']).orderBy('id').execute()),
    idempotency: JSON.stringify(await db.selectFrom('idempotency').select(['scope', 'key', 'request_hash', 'response_status']).orderBy('scope').orderBy('key').execute()),
  };
  return { counts, nonces: await count(s, 'nonces'), rows };
}

/**
 * Nothing changed between two snapshots. `nonces` is how many nonces the requests in between were
 * expected to record (a correctly signed request that is then refused by the handler still records one).
 */
export function assertUnchanged(before: Snapshot, after: Snapshot, opts: { nonces?: number; what?: string } = {}): void {
  const what = opts.what ? ` (${opts.what})` : '';
  assert.deepEqual(after.counts, before.counts, `row counts changed${what}`);
  for (const k of Object.keys(before.rows)) assert.equal(after.rows[k], before.rows[k], `rows of ${k} changed${what}`);
  if (opts.nonces !== undefined) assert.equal(after.nonces - before.nonces, opts.nonces, `nonces recorded${what}`);
}

/** Run a request that must be refused with `status`/`code` and must leave the database exactly as it was. */
export async function refusedWithoutWrites(
  s: TestServer,
  call: () => Promise<Res>,
  status: number,
  code: string,
  opts: { nonces?: number; what?: string; messageLike?: RegExp } = {},
): Promise<{ code: string; message: string; details?: any }> {
  const before = await snapshot(s);
  const res = await call();
  const err = expectError(res, status, code, opts.messageLike);
  // A rejected request must not leave work behind for later either: let the worker run a pass or two.
  await new Promise((r) => setTimeout(r, 20));
  assertUnchanged(before, await snapshot(s), opts);
  return err;
}

/** A JSON request with hand-made text, with the demo terminal's token unless headers say otherwise. */
export function rawJson(s: TestServer, method: string, path: string, text: string, headers: Record<string, string> = {}) {
  return s.raw(method, path, { body: text, headers: { authorization: `Bearer ${s.demo.terminalToken}`, 'content-type': 'application/json', ...headers } });
}

/** A signed request whose headers and body are both given by the caller (for tampering tests). */
export function signedRaw(s: TestServer, method: string, path: string, text: string, headers: Record<string, string>) {
  return s.raw(method, path, { ...(text ? { body: text } : {}), headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...headers } });
}

/** Signed headers for the given key, with optional clock and nonce. */
export function sign(key: Key, method: string, path: string, text: string, nowSeconds?: number, nonce?: string): Record<string, string> {
  const h = signedHeaders(key.id, key.secret, method, path, text, nowSeconds ?? Math.floor(Date.now() / 1000), (nonce ?? randomUUID()) as ReturnType<typeof randomUUID>);
  return h;
}

let seq = 0;
/** A fresh trade number per call. */
export function tradeNo(prefix = 'T'): string {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

/** A sandbox payment code: 18 digits starting with 28; the last two pick the wallet's behaviour (00 pays, 01 declines). */
export function payCode(behaviour: '00' | '01' = '00'): string {
  return `28${String(Math.floor(Math.random() * 1e14)).padStart(14, '0')}${behaviour}`;
}
