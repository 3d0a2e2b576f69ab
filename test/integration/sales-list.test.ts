import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { payWithCode, tradeNo } from '../helpers/flows.ts';

/** Sale lines (items) and the counter's sales list: scoped, newest first, paged, with tenders and refunds. */
describe('sale items and the sales list', () => {
  let s: TestServer;
  let other: { id: string; token: string };
  before(async () => {
    s = await startServer();
    other = await s.rt.merchants.createTerminal(s.demo.merchantId, s.demo.storeId, 'Counter 2');
  });
  after(async () => { await s.close(); });

  const asOther = (method: string, path: string, body?: unknown) => s.raw(method, path, {
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    headers: { authorization: `Bearer ${other.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
  });
  const items = [{ name: '蚵仔煎 Oyster omelette', quantity: 2, unitPrice: 650 }, { name: '珍珠奶茶 Bubble tea', quantity: 1, unitPrice: 500 }];

  test('items that add up are stored and returned on create, get and list; a retry replays them', async () => {
    const key = `sale-items-${Date.now()}`;
    const r = await s.terminal('POST', '/v1/sales', { amount: 1800, currency: 'CNY', items }, { 'idempotency-key': key });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.items, items);
    assert.deepEqual(r.body.payments, []);
    assert.deepEqual(r.body.refunds, []);
    const got = await s.terminal('GET', `/v1/sales/${r.body.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.items, items);
    const again = await s.terminal('POST', '/v1/sales', { amount: 1800, currency: 'CNY', items }, { 'idempotency-key': key });
    assert.equal(again.body.id, r.body.id, 'the same key and body is the same sale');
    const changed = await s.terminal('POST', '/v1/sales', { amount: 1800, currency: 'CNY', items: [{ ...items[0], quantity: 1 }, { name: 'x', quantity: 1, unitPrice: 1150 }] }, { 'idempotency-key': key });
    assert.equal(changed.status, 409, 'other items under the same key are another request');
    assert.equal(changed.body.error.code, 'idempotency_key_reused');
    const plain = await s.terminal('POST', '/v1/sales', { amount: 100, currency: 'CNY' });
    assert.equal(plain.body.items, null);
  });

  test('items that do not add up are refused with both totals, and no sale is written', async () => {
    const count = async () => (await s.rt.store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const n0 = Number(await count());
    const r = await s.terminal('POST', '/v1/sales', { amount: 1900, currency: 'CNY', items });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'items_total_mismatch');
    assert.match(r.body.error.message, /1800/);
    assert.match(r.body.error.message, /1900/);
    const zh = await s.terminal('POST', '/v1/sales', { amount: 1900, currency: 'CNY', items }, { 'accept-language': 'zh-CN' });
    assert.match(zh.body.error.message, /1800.*1900/);
    for (const bad of [
      [{ name: '', quantity: 1, unitPrice: 1900 }],
      [{ name: 'a', quantity: 0, unitPrice: 1900 }],
      [{ name: 'a', quantity: 1.5, unitPrice: 1900 }],
      [{ name: 'a', quantity: 1, unitPrice: -1 }],
      [{ name: 'a', quantity: 1, unitPrice: 19.5 }],
      [{ name: 'a', quantity: 10000, unitPrice: 1 }],
      [{ name: 'x'.repeat(65), quantity: 1, unitPrice: 1900 }],
      [{ name: '   ', quantity: 1, unitPrice: 1900 }],
      [],
      Array.from({ length: 101 }, () => ({ name: 'a', quantity: 1, unitPrice: 0 })),
    ]) {
      const b = await s.terminal('POST', '/v1/sales', { amount: 1900, currency: 'CNY', items: bad });
      assert.equal(b.status, 400, JSON.stringify(bad).slice(0, 80));
      assert.ok(b.body.error.message.length > 0);
    }
    assert.equal(Number(await count()), n0);
  });

  test('the list is newest first with tenders and refunds, scoped to the terminal, and pages without gaps', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await s.terminal('POST', '/v1/sales', { amount: 1000 + i, currency: 'CNY', description: `list ${i}` });
      mine.push(r.body.id);
    }
    const foreign = await asOther('POST', '/v1/sales', { amount: 777, currency: 'CNY' });
    assert.equal(foreign.status, 201);
    // The newest sale gets a wallet tender that is then partly refunded by the merchant.
    const newest = mine[mine.length - 1]!;
    const pay = await payWithCode(s, tradeNo('SL'), 1004, '00', { saleId: newest });
    assert.equal(pay.body.state, 'succeeded');
    const rf = await s.signed('POST', `/v1/payments/${pay.body.id}/refunds`, { amount: 4 });
    assert.equal(rf.status, 201);

    const first = await s.terminal('GET', '/v1/sales?limit=2');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.data.map((x: { id: string }) => x.id), [mine[4], mine[3]]);
    assert.equal(first.body.data[0].state, 'completed');
    assert.deepEqual(first.body.data[0].payments.map((p: { id: string }) => p.id), [pay.body.id]);
    assert.deepEqual(first.body.data[0].refunds.map((x: { amount: number; paymentId: string }) => [x.amount, x.paymentId]), [[4, pay.body.id]]);
    assert.equal(typeof first.body.next, 'string');
    const seen: string[] = first.body.data.map((x: { id: string }) => x.id);
    let next: string | undefined = first.body.next;
    while (next) {
      const page = await s.terminal('GET', `/v1/sales?limit=2&before=${encodeURIComponent(next)}`);
      assert.equal(page.status, 200);
      seen.push(...page.body.data.map((x: { id: string }) => x.id));
      next = page.body.next;
    }
    assert.equal(new Set(seen).size, seen.length, 'no sale is listed twice');
    for (const id of mine) assert.ok(seen.includes(id));
    assert.ok(!seen.includes(foreign.body.id), 'another terminal\'s sale is not listed');

    const theirs = await asOther('GET', '/v1/sales');
    assert.deepEqual(theirs.body.data.map((x: { id: string }) => x.id), [foreign.body.id]);
    const peek = await s.terminal('GET', `/v1/sales?terminalId=${other.id}`);
    assert.equal(peek.status, 403);

    const merchant = await s.signed('GET', '/v1/sales?limit=200');
    const all = merchant.body.data.map((x: { id: string }) => x.id);
    assert.ok(all.includes(foreign.body.id) && all.includes(newest));
    const filtered = await s.signed('GET', `/v1/sales?terminalId=${other.id}`);
    assert.deepEqual(filtered.body.data.map((x: { id: string }) => x.id), [foreign.body.id]);
    const badCursor = await s.terminal('GET', '/v1/sales?before=yesterday');
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.error.code, 'invalid_request');
  });

  test('an operator session lists its terminal\'s sales', async () => {
    const login = await s.terminal('POST', '/v1/operators/login', { operatorId: s.demo.operator.id, pin: s.demo.operator.pin });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const r = await s.raw('GET', '/v1/sales?limit=1', { headers: { authorization: `Bearer ${login.body.token}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.data[0].terminalId, s.demo.terminalId);
  });
});
