import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { assertBooksBalance, journalsFor, ledgerCheck, payWithCode, tradeNo } from '../helpers/flows.ts';

type Res = { status: number; body: any };

/**
 * Shifts with a cash count, and refunds at the counter with a supervisor's approval: the drawer's
 * expected cash follows cash taken (change excluded) and cash refunded, a difference is booked, and the
 * books still balance.
 */
describe('shifts and the cash count', () => {
  let s: TestServer;
  let cashier: string;
  let supervisor: string;
  before(async () => {
    s = await startServer();
    cashier = await login(s.demo.terminalToken, s.demo.operator.id, s.demo.operator.pin);
    supervisor = await login(s.demo.terminalToken, s.demo.supervisor.id, s.demo.supervisor.pin);
  });
  after(async () => { await s.close(); });

  async function login(terminalToken: string, operatorId: string, pin: string): Promise<string> {
    const r = await s.raw('POST', '/v1/operators/login', {
      body: JSON.stringify({ operatorId, pin }), headers: { authorization: `Bearer ${terminalToken}`, 'content-type': 'application/json' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.token as string;
  }
  const as = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => s.raw(method, path, {
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
  });
  const cash = (token: string, amount: number, extra: Record<string, unknown> = {}) =>
    as(token, 'POST', '/v1/payments', { outTradeNo: tradeNo('SH-CASH'), amount, currency: 'CNY', method: 'cash', ...extra });
  const openShifts = async () => (await s.rt.store.db.selectFrom('shifts').selectAll().where('closed_at', 'is', null).execute());
  const refundCount = async () => (await s.rt.store.db.selectFrom('refunds').select('id').execute()).length;

  let shiftId = '';
  let cashPay: any;
  let walletPay: any;

  test('a shift is opened by an operator session only; without one there is no current shift', async () => {
    const none = await s.terminal('GET', '/v1/shifts/current');
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, 'no_open_shift');
    assert.match(none.body.error.message, /Open a shift with a cash count first/);
    const byTerminal = await s.terminal('POST', '/v1/shifts', { openingFloat: 20000 });
    assert.equal(byTerminal.status, 403);
    assert.match(byTerminal.body.error.message, /operator session.*PIN/);
    const byKey = await s.signed('POST', '/v1/shifts', { openingFloat: 20000 });
    assert.equal(byKey.status, 403);
    for (const bad of [{ openingFloat: -1 }, { openingFloat: 1.5 }, { openingFloat: '20000' }, {}, { openingFloat: 100, currency: 'XXX' }, { openingFloat: 100, currency: 'USD' }, { openingFloat: 100, extra: 1 }]) {
      const r = await as(cashier, 'POST', '/v1/shifts', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.ok(r.body.error.message.length > 0);
    }
    assert.equal((await openShifts()).length, 0, 'refused opens wrote nothing');
  });

  test('a cashier opens a shift with the float; a retry replays it; a second open is refused', async () => {
    const key = `open-${Date.now()}`;
    const r = await as(cashier, 'POST', '/v1/shifts', { openingFloat: 20000, currency: 'CNY' }, { 'idempotency-key': key });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    shiftId = r.body.id;
    assert.equal(r.body.terminalId, s.demo.terminalId);
    assert.equal(r.body.storeId, s.demo.storeId);
    assert.equal(r.body.merchantId, s.demo.merchantId);
    assert.deepEqual(r.body.openedBy, { id: s.demo.operator.id, name: s.demo.operator.name });
    assert.equal(r.body.openingFloat, 20000);
    assert.equal(r.body.currency, 'CNY');
    assert.equal(r.body.closedAt, null);
    assert.equal(r.body.countedCash, null);
    assert.equal(r.body.difference, null);
    assert.equal(r.body.expectedCash, 20000);
    assert.deepEqual(r.body.totals, []);
    const again = await as(cashier, 'POST', '/v1/shifts', { openingFloat: 20000, currency: 'CNY' }, { 'idempotency-key': key });
    assert.equal(again.body.id, shiftId, 'a retry with the same key is the same shift');
    const second = await as(supervisor, 'POST', '/v1/shifts', { openingFloat: 100 });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'shift_already_open');
    assert.match(second.body.error.message, new RegExp(shiftId));
    const zh = await as(supervisor, 'POST', '/v1/shifts', { openingFloat: 100 }, { 'accept-language': 'zh-TW' });
    assert.equal(zh.body.error.code, 'shift_already_open');
    assert.match(zh.body.error.message, /班次/);
    assert.equal((await openShifts()).length, 1);
  });

  test('the live figures count cash at the amount applied (change excluded) and wallets per channel', async () => {
    const sale = await as(cashier, 'POST', '/v1/sales', { amount: 1800, currency: 'CNY', items: [{ name: '臭豆腐 Stinky tofu', quantity: 2, unitPrice: 900 }] });
    assert.equal(sale.status, 201);
    const c1 = await cash(cashier, 1800, { saleId: sale.body.id, tendered: 2000 });
    assert.equal(c1.status, 201, JSON.stringify(c1.body));
    assert.equal(c1.body.change, 200);
    cashPay = c1.body;
    const c2 = await cash(cashier, 500, { tendered: 1000 });
    assert.equal(c2.body.change, 500);
    const w = await payWithCode(s, tradeNo('SH-W'), 3000, '00');
    assert.equal(w.body.state, 'succeeded');
    walletPay = w.body;
    const failed = await payWithCode(s, tradeNo('SH-F'), 7000, '03');
    assert.notEqual(failed.body.state, 'succeeded', 'a declined charge is not takings');

    const cur = await as(cashier, 'GET', '/v1/shifts/current');
    assert.equal(cur.status, 200);
    assert.equal(cur.body.id, shiftId);
    assert.equal(cur.body.expectedCash, 20000 + 1800 + 500);
    assert.deepEqual(cur.body.totals, [
      { channel: 'cash', count: 2, amount: 2300, refunded: 0 },
      { channel: 'sandbox', count: 1, amount: 3000, refunded: 0 },
    ]);
    const byTerminal = await s.terminal('GET', '/v1/shifts/current');
    assert.deepEqual(byTerminal.body, cur.body);
    const byKey = await s.signed('GET', `/v1/shifts/current?terminalId=${s.demo.terminalId}`);
    assert.equal(byKey.body.expectedCash, 22300);
  });

  test('a cashier may not refund: the answer says a supervisor must approve, and nothing changes', async () => {
    const before = await refundCount();
    const r = await as(cashier, 'POST', `/v1/payments/${cashPay.id}/refunds`, { amount: 300 });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'forbidden');
    assert.match(r.body.error.message, /supervisor/i);
    const zh = await as(cashier, 'POST', `/v1/payments/${cashPay.id}/refunds`, { amount: 300 }, { 'accept-language': 'zh-CN' });
    assert.match(zh.body.error.message, /主管/);
    const bare = await s.terminal('POST', `/v1/payments/${cashPay.id}/refunds`, { amount: 300 });
    assert.equal(bare.status, 403);
    assert.equal(await refundCount(), before);
  });

  test('a supervisor\'s session refunds, is recorded as its maker, and cash refunded lowers the expected cash', async () => {
    const r = await as(supervisor, 'POST', `/v1/payments/${cashPay.id}/refunds`, { amount: 300, reason: 'one tofu was cold' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'succeeded');
    assert.deepEqual(r.body.createdBy, { id: s.demo.supervisor.id, name: s.demo.supervisor.name });
    const w = await as(supervisor, 'POST', `/v1/payments/${walletPay.id}/refunds`, { amount: 1000 });
    assert.equal(w.status, 201);
    const cur = await as(cashier, 'GET', '/v1/shifts/current');
    assert.equal(cur.body.expectedCash, 20000 + 2300 - 300);
    assert.deepEqual(cur.body.totals, [
      { channel: 'cash', count: 2, amount: 2300, refunded: 300 },
      { channel: 'sandbox', count: 1, amount: 3000, refunded: 1000 },
    ]);
    const sale = await s.terminal('GET', `/v1/sales/${cashPay.saleId}`);
    assert.deepEqual(sale.body.refunds.map((x: { id: string }) => x.id), [r.body.id], 'the sale shows its refund');
  });

  test('a refund above what is left is refused with a stable code and changes nothing', async () => {
    const before = await refundCount();
    const r = await as(supervisor, 'POST', `/v1/payments/${cashPay.id}/refunds`, { amount: 1501 });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'refund_exceeds_paid');
    assert.equal(r.body.error.details.refundable, 1500);
    assert.equal(await refundCount(), before);
    assert.equal((await s.terminal('GET', `/v1/payments/${cashPay.id}`)).body.refunded, 300);
    assert.equal((await as(cashier, 'GET', '/v1/shifts/current')).body.expectedCash, 22000);
  });

  test('closing needs an operator and a sound count; wrong input changes nothing', async () => {
    const byTerminal = await s.terminal('POST', `/v1/shifts/${shiftId}/close`, { countedCash: 100 });
    assert.equal(byTerminal.status, 403);
    for (const bad of [{ countedCash: -5 }, { countedCash: 10.5 }, { countedCash: '21950' }, {}, { countedCash: 1, note: 'x' }]) {
      const r = await as(cashier, 'POST', `/v1/shifts/${shiftId}/close`, bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    const missing = await as(cashier, 'POST', '/v1/shifts/shf_nope/close', { countedCash: 1 });
    assert.equal(missing.status, 404);
    const other = await s.rt.merchants.createTerminal(s.demo.merchantId, s.demo.storeId, 'Counter 2');
    const elsewhere = await login(other.token, s.demo.supervisor.id, s.demo.supervisor.pin);
    const wrongTerminal = await as(elsewhere, 'POST', `/v1/shifts/${shiftId}/close`, { countedCash: 1 });
    assert.equal(wrongTerminal.status, 403);
    const cur = await as(cashier, 'GET', '/v1/shifts/current');
    assert.equal(cur.body.closedAt, null, 'still open');
    assert.equal((await journalsFor(s, shiftId)).length, 0);
  });

  test('closing short: the figures are frozen, the difference is booked, and the books balance', async () => {
    const key = `close-${Date.now()}`;
    const r = await as(supervisor, 'POST', `/v1/shifts/${shiftId}/close`, { countedCash: 21950 }, { 'idempotency-key': key });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const retried = await as(supervisor, 'POST', `/v1/shifts/${shiftId}/close`, { countedCash: 21950 }, { 'idempotency-key': key });
    assert.equal(retried.status, 200, 'a retry after a lost answer gets the closed shift again');
    assert.deepEqual(retried.body, r.body);
    const reused = await as(supervisor, 'POST', `/v1/shifts/${shiftId}/close`, { countedCash: 22000 }, { 'idempotency-key': key });
    assert.equal(reused.body.error.code, 'idempotency_key_reused');
    assert.equal(r.body.expectedCash, 22000);
    assert.equal(r.body.countedCash, 21950);
    assert.equal(r.body.difference, -50);
    assert.deepEqual(r.body.closedBy, { id: s.demo.supervisor.id, name: s.demo.supervisor.name });
    assert.ok(r.body.closedAt);
    assert.deepEqual(r.body.totals.map((t: { channel: string }) => t.channel), ['cash', 'sandbox']);
    const js = await journalsFor(s, shiftId);
    assert.equal(js.length, 1);
    assert.equal(js[0]!.kind, 'cash_count');
    assert.deepEqual(js[0]!.postings.map((p) => [p.account, p.amount]).sort(), [
      [`cash_drawer:${s.demo.terminalId}`, -50], [`cash_over_short:${s.demo.merchantId}`, 50],
    ].sort());
    await assertBooksBalance(s);

    const twice = await as(cashier, 'POST', `/v1/shifts/${shiftId}/close`, { countedCash: 22000 });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'shift_closed');
    assert.equal((await journalsFor(s, shiftId)).length, 1, 'closing twice books nothing more');
    assert.equal((await as(cashier, 'GET', '/v1/shifts/current')).body.error.code, 'no_open_shift');

    // Cash taken after closing belongs to no shift: the closed one's figures stay as counted.
    await cash(cashier, 999);
    const got = await s.terminal('GET', `/v1/shifts/${shiftId}`);
    assert.deepEqual(got.body, r.body);
  });

  test('an exact count books nothing; an over count books the surplus into the drawer', async () => {
    const exact = await as(cashier, 'POST', '/v1/shifts', { openingFloat: 10000 });
    assert.equal(exact.status, 201);
    await cash(cashier, 1250, { tendered: 5000 });
    const closedExact = await as(cashier, 'POST', `/v1/shifts/${exact.body.id}/close`, { countedCash: 11250 });
    assert.equal(closedExact.body.difference, 0);
    assert.equal((await journalsFor(s, exact.body.id)).length, 0);

    const over = await as(cashier, 'POST', '/v1/shifts', { openingFloat: 0 });
    assert.equal(over.status, 201);
    const closedOver = await as(cashier, 'POST', `/v1/shifts/${over.body.id}/close`, { countedCash: 100 });
    assert.equal(closedOver.body.expectedCash, 0);
    assert.equal(closedOver.body.difference, 100);
    const js = await journalsFor(s, over.body.id);
    assert.deepEqual(js[0]!.postings.find((p) => p.account === `cash_drawer:${s.demo.terminalId}`)?.amount, 100);
    await assertBooksBalance(s);
  });

  test('two opens at once: exactly one wins', async () => {
    const rs = await Promise.all([as(cashier, 'POST', '/v1/shifts', { openingFloat: 1 }), as(supervisor, 'POST', '/v1/shifts', { openingFloat: 2 })]);
    assert.deepEqual(rs.map((r) => r.status).sort(), [201, 409]);
    assert.equal((await openShifts()).length, 1);
    const won = rs.find((r) => r.status === 201)!;
    assert.equal((await as(cashier, 'POST', `/v1/shifts/${won.body.id}/close`, { countedCash: won.body.openingFloat })).status, 200);
  });

  test('shifts are listed newest first, per terminal for a terminal and all for the merchant, in pages', async () => {
    const mine = await s.terminal('GET', '/v1/shifts?limit=2');
    assert.equal(mine.status, 200);
    assert.equal(mine.body.data.length, 2);
    assert.ok(mine.body.next);
    const rest = await s.terminal('GET', `/v1/shifts?limit=50&before=${mine.body.next}`);
    const ids = [...mine.body.data, ...rest.body.data].map((x: { id: string }) => x.id);
    assert.equal(ids.length, 4);
    assert.equal(new Set(ids).size, 4);
    assert.equal(ids[3], shiftId, 'the first shift is the oldest');
    const opened = [...mine.body.data, ...rest.body.data].map((x: { openedAt: string }) => x.openedAt);
    assert.deepEqual([...opened].sort().reverse(), opened);
    const other = await s.rt.merchants.createTerminal(s.demo.merchantId, s.demo.storeId, 'Counter 3');
    const theirs = await s.raw('GET', '/v1/shifts', { headers: { authorization: `Bearer ${other.token}` } });
    assert.deepEqual(theirs.body.data, []);
    const notTheirs = await s.raw('GET', `/v1/shifts/${shiftId}`, { headers: { authorization: `Bearer ${other.token}` } });
    assert.equal(notTheirs.status, 404);
    const merchant = await s.signed('GET', '/v1/shifts');
    assert.equal(merchant.body.data.length, 4);
    const one = await s.signed('GET', `/v1/shifts/${shiftId}`);
    assert.equal(one.body.difference, -50);
  });

  test('the ledger check notices a closed shift whose difference was never booked', async () => {
    assert.equal((await ledgerCheck(s)).ok, true);
    await s.rt.store.write((tx) => tx.insertInto('shifts').values({
      id: 'shf_tampered', merchant_id: s.demo.merchantId, store_id: s.demo.storeId, terminal_id: s.demo.terminalId, currency: 'CNY',
      opening_float: 0, opened_by: s.demo.operator.id, opened_by_name: 'x', opened_at: '2020-01-01T00:00:00.000Z', closed_at: '2020-01-01T01:00:00.000Z',
      closed_by: s.demo.operator.id, closed_by_name: 'x', counted_cash: 5, expected_cash: 0, difference: 5, totals: '[]',
    }).execute());
    const check = await ledgerCheck(s);
    assert.equal(check.ok, false);
    assert.deepEqual(check.shiftsWithoutCashCount, ['shf_tampered']);
  });
});
