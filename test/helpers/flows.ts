import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { SIGNATURE_HEADER, signBody, type NotifyBody } from '../../src/channels/sandbox/protocol.ts';
import type { SandboxWallet } from '../../src/channels/sandbox/emulator.ts';
import { eventually, type TestServer } from './server.ts';

/** Helpers shared by the integration suites: taking payments, reading both sets of books, faking the wallet. */

export const FINAL = new Set(['succeeded', 'failed', 'closed', 'reversed']);

/** What the sandbox "customer" does, chosen by a payment code's last two digits. */
export type Behaviour = '00' | '01' | '02' | '03' | '04' | '05';

/** A sandbox payment code: 18 digits, starting with 28, ending with the behaviour. */
export function paymentCode(b: Behaviour): string {
  return `28${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
}

let seq = 0;
/** A fresh trade number per test run (trade numbers are unique per merchant). */
export function tradeNo(prefix: string): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}`;
}

export function wallet(s: TestServer): SandboxWallet {
  assert.ok(s.rt.sandboxWallet, 'the sandbox wallet is mounted');
  return s.rt.sandboxWallet;
}

export async function payWithCode(s: TestServer, outTradeNo: string, amount: number, b: Behaviour, extra: Record<string, unknown> = {}) {
  return s.terminal('POST', '/v1/payments', { outTradeNo, amount, currency: 'CNY', method: 'payment_code', channel: 'sandbox', authCode: paymentCode(b), ...extra });
}

export async function showQr(s: TestServer, outTradeNo: string, amount: number, extra: Record<string, unknown> = {}) {
  return s.terminal('POST', '/v1/payments', { outTradeNo, amount, currency: 'CNY', method: 'dynamic_qr', channel: 'sandbox', ...extra });
}

export async function scan(s: TestServer, qrCode: string, action: 'pay' | 'decline' = 'pay') {
  const r = await s.raw('POST', '/sandbox/wallet/scan', { body: JSON.stringify({ qr_code: qrCode, action }), headers: { 'content-type': 'application/json' } });
  return r.body as { code: string; trade_status?: string; msg?: string };
}

export async function getPayment(s: TestServer, id: string) {
  const r = await s.terminal('GET', `/v1/payments/${id}`);
  assert.equal(r.status, 200, `GET payment ${id}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function waitState(s: TestServer, id: string, state: string, limitMs = 20_000) {
  return eventually(async () => {
    const p = await getPayment(s, id);
    return p.state === state ? p : null;
  }, `payment ${id} to be ${state}`, limitMs);
}

export async function waitFinal(s: TestServer, id: string, limitMs = 20_000) {
  return eventually(async () => {
    const p = await getPayment(s, id);
    return FINAL.has(p.state) ? p : null;
  }, `payment ${id} to reach a final state`, limitMs);
}

export async function paymentEvents(s: TestServer, id: string): Promise<Array<{ from_state: string; to_state: string; source: string; detail: string | null; at: string }>> {
  const r = await s.terminal('GET', `/v1/payments/${id}/events`);
  assert.equal(r.status, 200);
  return r.body.data;
}

/** The wallet's own books for one of the demo merchant's trades. */
export function charges(s: TestServer, outTradeNo: string, merchantId = s.demo.merchantId) {
  const row = wallet(s).chargeSummary().find((c) => c.mch_id === merchantId && c.out_trade_no === outTradeNo);
  return row ?? { mch_id: merchantId, out_trade_no: outTradeNo, charged: 0, times_charged: 0, returned: 0 };
}

export function walletStatus(s: TestServer, outTradeNo: string, merchantId = s.demo.merchantId): string | undefined {
  return wallet(s).trade(merchantId, outTradeNo)?.status;
}

/** Journal entries (with postings) whose ref is the payment or refund id. */
export async function journalsFor(s: TestServer, ref: string) {
  const r = await s.signed('GET', '/v1/ledger/journals?limit=200');
  assert.equal(r.status, 200);
  return (r.body.data as Array<{ id: string; kind: string; ref: string; postings: Array<{ account: string; amount: number }> }>).filter((j) => j.ref === ref);
}

/** Outbox events about one payment or refund (by the `data.id` of the payload). */
export async function outboxFor(s: TestServer, dataId: string, type?: string) {
  const rows = await s.rt.store.db.selectFrom('outbox').selectAll().where('merchant_id', '=', s.demo.merchantId).execute();
  return rows.filter((r) => {
    const e = JSON.parse(r.payload) as { type: string; data: { id: string } };
    return e.data.id === dataId && (type === undefined || e.type === type);
  });
}

/**
 * The proof that the gateway and the wallet agree on a final payment: never charged twice; money kept
 * by the wallet iff the gateway says succeeded; one payment entry in our books iff it ever succeeded.
 */
export async function assertAgrees(s: TestServer, p: { id: string; outTradeNo: string; state: string; amount: number; refunded: number }) {
  assert.ok(FINAL.has(p.state), `payment ${p.id} is final (is ${p.state})`);
  const c = charges(s, p.outTradeNo);
  assert.ok(c.times_charged <= 1, `${p.outTradeNo} charged ${c.times_charged} times`);
  const kept = c.charged - c.returned;
  const js = await journalsFor(s, p.id);
  const booked = js.filter((j) => j.kind === 'payment').length;
  const reversals = js.filter((j) => j.kind === 'reversal').length;
  assert.ok(booked <= 1 && reversals <= 1, `${p.outTradeNo}: ${booked} payment and ${reversals} reversal entries`);
  if (p.state === 'succeeded') {
    assert.equal(c.times_charged, 1, `${p.outTradeNo} succeeded, so the wallet charged it once`);
    assert.equal(kept, p.amount - p.refunded, `${p.outTradeNo}: the wallet keeps what the gateway says was paid`);
    assert.equal(booked, 1, `${p.outTradeNo}: booked once`);
    assert.equal(reversals, 0);
  } else {
    assert.equal(kept, 0, `${p.outTradeNo} is ${p.state}: the wallet must keep nothing (charged ${c.charged}, returned ${c.returned})`);
    assert.equal(booked, reversals, `${p.outTradeNo} is ${p.state}: a payment entry only with its reversal`);
    if (p.state !== 'reversed') assert.equal(booked, 0);
  }
}

/**
 * The wallet's notifications get lost on the way (the gateway never hears them) until `restore()`;
 * lets a test decide that the gateway learns a result only by asking.
 */
export function loseNotifications(w: SandboxWallet): () => void {
  const target = w as unknown as { notify: (...args: unknown[]) => void };
  // The emulator sends every notification through its (private) notify(); fail loudly if that changes.
  assert.equal(typeof target.notify, 'function', 'SandboxWallet.notify() is how the sandbox notifies');
  target.notify = () => undefined;
  return () => { delete (target as { notify?: unknown }).notify; };
}

/** A notification as the wallet would send it, signed with `key` (default: the sandbox key). */
export function notifyBody(s: TestServer, fields: Partial<NotifyBody> & { out_trade_no: string; trade_status: NotifyBody['trade_status'] }): NotifyBody {
  return {
    notify_id: `hand-${Date.now()}-${randomInt(0, 1e9)}`,
    mch_id: s.demo.merchantId,
    trade_no: `SBXHAND${randomInt(0, 1e9)}`,
    total_amount: '0.01',
    notify_time: new Date().toISOString(),
    ...fields,
  };
}

export async function postNotification(s: TestServer, merchantInPath: string, body: NotifyBody | string, key = s.rt.config.sandboxKey) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return s.raw('POST', `/v1/channels/sandbox/notify/${merchantInPath}`, {
    body: text,
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(key, text) },
  });
}

export async function ledgerCheck(s: TestServer) {
  const r = await s.signed('GET', '/v1/ledger/check');
  assert.equal(r.status, 200);
  return r.body as { ok: boolean; sums: Record<string, number> } & Record<string, unknown>;
}

export async function assertBooksBalance(s: TestServer) {
  const check = await ledgerCheck(s);
  assert.equal(check.ok, true, `ledger check: ${JSON.stringify(check)}`);
  const b = await s.signed('GET', '/v1/ledger/balances');
  assert.equal(b.status, 200);
  const perCurrency = new Map<string, number>();
  for (const row of b.body.data as Array<{ currency: string; balance: number }>) perCurrency.set(row.currency, (perCurrency.get(row.currency) ?? 0) + row.balance);
  for (const [cur, sum] of perCurrency) assert.equal(sum, 0, `balances in ${cur} sum to ${sum}`);
  return { check, balances: b.body.data as Array<{ account: string; currency: string; balance: number }> };
}

/**
 * A charge whose own reply said nothing certain cannot have been made `succeeded` by that reply: only the
 * wallet's notification (sent as the charge is booked, so it may beat the reply) or a later query can.
 */
export async function notSettledByReply(s: TestServer, payment: { id: string; state: string }): Promise<void> {
  if (payment.state !== 'succeeded') return;
  const events = await paymentEvents(s, payment.id);
  assert.ok(events.some((e) => e.to_state === 'succeeded' && e.source === 'notify'), `succeeded by its own reply: ${JSON.stringify(events)}`);
}
