import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { assertUnchanged, expectError, payCode, rawJson, refusedWithoutWrites, sign, snapshot, tradeNo, type Key, type Res } from './support/checks.ts';

/**
 * Bad input gets a 4xx with a stable code and a clear message, and writes nothing: every refusal is
 * checked against row counts of every table and the mutable columns of existing rows.
 */
describe('bad input is refused with a stable code and writes nothing', () => {
  let s: TestServer;
  /** Merchant B, created through the platform key, with its own API key, store, terminal and operator. */
  const b = { merchantId: '', key: { id: '', secret: '' } as Key, storeId: '', terminalId: '', terminalToken: '', operatorId: '' };

  const pay = (body: unknown, headers: Record<string, string> = {}) => s.terminal('POST', '/v1/payments', body, headers);
  const sale = (body: unknown, headers: Record<string, string> = {}) => s.terminal('POST', '/v1/sales', body, headers);
  /** Refunds need refund:create: the demo merchant's API key. */
  const refund = (paymentId: string, body: unknown, headers: Record<string, string> = {}) =>
    s.signed('POST', `/v1/payments/${paymentId}/refunds`, body, { headers });
  const cash = (amount = 1000, extra: Record<string, unknown> = {}) => ({ outTradeNo: tradeNo('CASH'), amount, currency: 'CNY', method: 'cash', channel: 'cash', ...extra });
  const qr = (extra: Record<string, unknown> = {}) => ({ outTradeNo: tradeNo('QR'), amount: 1250, currency: 'CNY', method: 'dynamic_qr', channel: 'sandbox', ...extra });
  const code = (extra: Record<string, unknown> = {}) => ({ outTradeNo: tradeNo('PC'), amount: 990, currency: 'CNY', method: 'payment_code', channel: 'sandbox', authCode: payCode(), ...extra });

  async function paidCash(amount = 1000): Promise<any> {
    const r = await pay(cash(amount));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'succeeded');
    return r.body;
  }

  async function openSale(amount = 1000): Promise<any> {
    const r = await sale({ amount, currency: 'CNY' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'open');
    return r.body;
  }

  before(async () => {
    s = await startServer();
    const platform = s.demo.platformKey;
    const m = await s.signed('POST', '/v1/merchants', { name: 'Merchant B', currency: 'CNY' }, { key: platform });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    b.merchantId = m.body.id;
    const k = await s.signed('POST', `/v1/merchants/${b.merchantId}/api-keys`, undefined, { key: platform });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    b.key = { id: k.body.id, secret: k.body.secret };
    const st = await s.signed('POST', `/v1/merchants/${b.merchantId}/stores`, { name: 'B store' }, { key: b.key });
    assert.equal(st.status, 201, JSON.stringify(st.body));
    b.storeId = st.body.id;
    const t = await s.signed('POST', `/v1/merchants/${b.merchantId}/terminals`, { storeId: b.storeId, name: 'B till' }, { key: b.key });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    b.terminalId = t.body.id;
    b.terminalToken = t.body.token;
    const op = await s.signed('POST', `/v1/merchants/${b.merchantId}/operators`, { name: 'B cashier', role: 'cashier', pin: '2468', storeId: b.storeId }, { key: b.key });
    assert.equal(op.status, 201, JSON.stringify(op.body));
    b.operatorId = op.body.id;
  });
  after(async () => {
    await s?.close();
  });

  // ------------------------------------------------------------------ POST /v1/payments

  describe('POST /v1/payments', () => {
    test('malformed JSON → 400 invalid_json', async () => {
      for (const text of ['{"outTradeNo":"X1","amount":', '{outTradeNo: "X1"}', '{"amount":1250,}', 'amount=1250', '{"a":1}}']) {
        const e = await refusedWithoutWrites(s, () => rawJson(s, 'POST', '/v1/payments', text), 400, 'invalid_json', { what: text });
        assert.match(e.message, /JSON/);
      }
    });

    test('a body that is not an object → 400 invalid_request', async () => {
      for (const text of ['null', '[]', '"cash"', '1250', 'true']) {
        await refusedWithoutWrites(s, () => rawJson(s, 'POST', '/v1/payments', text), 400, 'invalid_request', { what: text });
      }
    });

    test('wrong types are refused, never coerced: amount "1250" → 400 invalid_request', async () => {
      const e = await refusedWithoutWrites(s, () => pay(cash(1250, { amount: '1250' })), 400, 'invalid_request');
      assert.match(e.message, /amount/);
      const cases: Array<[string, unknown]> = [
        ['amount', true], ['amount', null], ['amount', [1250]], ['amount', { value: 1250 }],
        ['outTradeNo', 12345], ['currency', 156], ['method', 1], ['channel', ['cash']],
        ['description', 42], ['tendered', '2000'], ['authCode', 280000000000000000], ['saleId', 7], ['terminalId', false],
      ];
      for (const [field, value] of cases) {
        const err = await refusedWithoutWrites(s, () => pay(cash(1250, { [field]: value })), 400, 'invalid_request', { what: `${field}=${JSON.stringify(value)}` });
        assert.match(err.message, new RegExp(field), `message names ${field}: ${err.message}`);
      }
    });

    test('missing required fields → 400 invalid_request naming the field', async () => {
      for (const field of ['outTradeNo', 'amount', 'currency', 'method']) {
        const body: Record<string, unknown> = cash(1000);
        delete body[field];
        const e = await refusedWithoutWrites(s, () => pay(body), 400, 'invalid_request', { what: field });
        assert.match(e.message, new RegExp(`required property '${field}'`));
      }
      await refusedWithoutWrites(s, () => pay({}), 400, 'invalid_request');
      // channel may be left out only where it is implied: cash, or a payment code (detected from its digits).
      const noChannel: Record<string, unknown> = qr();
      delete noChannel.channel;
      const e = await refusedWithoutWrites(s, () => pay(noChannel), 400, 'invalid_request');
      assert.match(e.message, /channel/);
      const detected: Record<string, unknown> = code();
      delete detected.channel;
      const r = await pay(detected);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.channel, 'sandbox');
    });

    test('unknown extra fields are rejected, not dropped', async () => {
      for (const extra of [{ amount_cents: 1250 }, { merchantId: 'mch_x' }, { state: 'succeeded' }, { refunded: 0 }]) {
        const e = await refusedWithoutWrites(s, () => pay(cash(1000, extra)), 400, 'invalid_request', { what: JSON.stringify(extra) });
        assert.match(e.message, /additional properties/);
      }
      // Prototype keys are plain extra fields too.
      for (const text of [
        `{"__proto__":{"admin":true},"outTradeNo":"${tradeNo()}","amount":100,"currency":"CNY","method":"cash","channel":"cash"}`,
        `{"constructor":{"prototype":{"admin":true}},"outTradeNo":"${tradeNo()}","amount":100,"currency":"CNY","method":"cash","channel":"cash"}`,
      ]) {
        await refusedWithoutWrites(s, () => rawJson(s, 'POST', '/v1/payments', text), 400, 'invalid_request');
      }
    });

    test('zero, negative, fractional and overflowing amounts → 400 invalid_amount', async () => {
      for (const amount of [0, -0, -1, -1250, 12.5, 0.01, 1e13, 2 ** 53, 2 ** 53 + 2, 1_000_000_000_001, Number.MAX_SAFE_INTEGER]) {
        for (const body of [cash(amount), qr({ amount }), code({ amount })]) {
          const e = await refusedWithoutWrites(s, () => pay(body), 400, 'invalid_amount', { what: `${body.method} ${amount}` });
          assert.match(e.message, /[Aa]mount/);
        }
      }
      // 1e400 parses to Infinity, which is not a JSON number the schema accepts.
      const inf = `{"outTradeNo":"${tradeNo()}","amount":1e400,"currency":"CNY","method":"cash","channel":"cash"}`;
      const r = await rawJson(s, 'POST', '/v1/payments', inf);
      assert.ok(['invalid_request', 'invalid_amount'].includes(r.body?.error?.code), JSON.stringify(r.body));
      expectError(r, 400, r.body.error.code);
    });

    test('cash tendered must be a whole amount of at least the amount → 400 invalid_amount', async () => {
      for (const tendered of [999, 0, -5, 1000.5, 1e13]) {
        await refusedWithoutWrites(s, () => pay(cash(1000, { tendered })), 400, 'invalid_amount', { what: `tendered ${tendered}` });
      }
    });

    test('unknown currency → 400 unknown_currency; malformed code → 400 invalid_request', async () => {
      for (const currency of ['XYZ', 'cny', 'ABC', 'BTC']) {
        const e = await refusedWithoutWrites(s, () => pay(cash(1000, { currency })), 400, 'unknown_currency', { what: currency });
        assert.match(e.message, /ISO 4217|not supported/);
        await refusedWithoutWrites(s, () => pay(qr({ currency })), 400, 'unknown_currency', { what: `qr ${currency}` });
      }
      for (const currency of ['', 'CN', 'CNYY', 'YUAN']) {
        await refusedWithoutWrites(s, () => pay(cash(1000, { currency })), 400, 'invalid_request', { what: JSON.stringify(currency) });
      }
    });

    test('bad method or channel → 400 invalid_request', async () => {
      for (const method of ['card', 'CASH', '', 'qr']) {
        const e = await refusedWithoutWrites(s, () => pay(cash(1000, { method })), 400, 'invalid_request', { what: method });
        assert.match(e.message, /method/);
      }
      for (const channel of ['venmo', 'paypal', 'SANDBOX']) {
        const e = await refusedWithoutWrites(s, () => pay(qr({ channel })), 400, 'invalid_request', { what: channel });
        assert.match(e.message, /[Cc]hannel/);
      }
      await refusedWithoutWrites(s, () => pay(qr({ channel: '' })), 400, 'invalid_request');
      await refusedWithoutWrites(s, () => pay(qr({ channel: 'x'.repeat(33) })), 400, 'invalid_request');
      // Cash only on the cash channel, and the cash channel only for cash.
      await refusedWithoutWrites(s, () => pay(cash(1000, { channel: 'sandbox' })), 400, 'invalid_request', { messageLike: /cash/i });
      await refusedWithoutWrites(s, () => pay(qr({ channel: 'cash' })), 400, 'invalid_request', { messageLike: /cash/i });
      await refusedWithoutWrites(s, () => pay(code({ channel: 'cash' })), 400, 'invalid_request');
    });

    test('payment_code needs a well-formed authCode', async () => {
      const sent: string[] = [];
      const noCode: Record<string, unknown> = code();
      delete noCode.authCode;
      sent.push(noCode.outTradeNo as string);
      const e = await refusedWithoutWrites(s, () => pay(noCode), 400, 'invalid_request');
      assert.match(e.message, /auth_?code/i);
      // Empty or not a string: the schema refuses it. Anything else reaches wallet detection, which says why.
      const body0 = code({ authCode: '' });
      sent.push(body0.outTradeNo);
      await refusedWithoutWrites(s, () => pay(body0), 400, 'invalid_request');
      const cases: Array<[string, RegExp]> = [
        ['28abc0000000000000', /"a" at position 3/], ['123', /too short/], ['2'.repeat(33), /too long/],
        ['28 000000000000000', /spaces or dashes/], ['-28000000000000000', /digits only/],
        ['134567890123456789', /wechat payment code, but the payment asked for sandbox/],
        ['4006381333931', /product barcode/],
        ['https://qr.alipay.com/abc', /URL/],
      ];
      for (const [authCode, why] of cases) {
        const body = code({ authCode });
        sent.push(body.outTradeNo);
        await refusedWithoutWrites(s, () => pay(body), 400, 'invalid_payment_code', { what: JSON.stringify(authCode), messageLike: why });
      }
      const charged = s.rt.sandboxWallet!.chargeSummary().filter((c) => sent.includes(c.out_trade_no));
      assert.deepEqual(charged, [], 'no refused payment reached the wallet');
    });

    test('over-long and ill-formed strings → 400 invalid_request', async () => {
      const cases: Array<Record<string, unknown>> = [
        { outTradeNo: 'T'.repeat(65) }, { outTradeNo: '' }, { outTradeNo: 'has space' }, { outTradeNo: 'semi;colon' },
        { outTradeNo: '订单1' }, { outTradeNo: '../../etc' },
        { description: 'd'.repeat(129) }, { saleId: 's'.repeat(65) }, { saleId: '' }, { terminalId: 't'.repeat(65) }, { terminalId: '' },
      ];
      for (const extra of cases) {
        await refusedWithoutWrites(s, () => pay(cash(1000, extra)), 400, 'invalid_request', { what: JSON.stringify(extra).slice(0, 60) });
      }
    });

    test('a body over 64 KiB → 413 invalid_request', async () => {
      await refusedWithoutWrites(s, () => pay(cash(1000, { description: 'x'.repeat(70_000) })), 413, 'invalid_request', { messageLike: /64 KiB/ });
    });

    test('a body that is not JSON content → 4xx, nothing written', async () => {
      const before = await snapshot(s);
      const r = await s.raw('POST', '/v1/payments', { body: 'outTradeNo=X&amount=1', headers: { authorization: `Bearer ${s.demo.terminalToken}`, 'content-type': 'application/x-www-form-urlencoded' } });
      expectError(r, 415, 'invalid_request', /application\/json/);
      const r2 = await s.raw('POST', '/v1/payments', { body: JSON.stringify(cash()), headers: { authorization: `Bearer ${s.demo.terminalToken}`, 'content-type': 'text/plain' } });
      expectError(r2, 400, 'invalid_request');
      assertUnchanged(before, await snapshot(s));
    });

    test('a terminal cannot take a payment for another terminal; a merchant key must name its own', async () => {
      await refusedWithoutWrites(s, () => pay(cash(1000, { terminalId: b.terminalId })), 403, 'forbidden', { messageLike: /terminal/ });
      await refusedWithoutWrites(s, () => s.signed('POST', '/v1/payments', cash(1000)), 400, 'invalid_request', { messageLike: /terminalId/ });
      await refusedWithoutWrites(s, () => s.signed('POST', '/v1/payments', cash(1000, { terminalId: 'trm_nope' })), 404, 'not_found');
    });

    test('an unknown saleId → 404 not_found, and the trade number stays free', async () => {
      const body = cash(1000, { saleId: 'sale_doesnotexist' });
      await refusedWithoutWrites(s, () => pay(body, { 'idempotency-key': `k-${tradeNo()}` }), 404, 'not_found');
      // Nothing was claimed: the same trade number works for a correct payment afterwards.
      const ok = await pay({ ...body, saleId: undefined });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    test('a tender in another currency than its sale → 400 currency_mismatch', async () => {
      const sl = await openSale(1000);
      await refusedWithoutWrites(s, () => pay(cash(500, { currency: 'USD', saleId: sl.id })), 400, 'currency_mismatch');
    });

    test('Idempotency-Key: same key + same body replays the first answer; a different body → 409 idempotency_key_reused', async () => {
      const key = `idem-${tradeNo()}`;
      const body = code({ amount: 1234 });
      const first = await pay(body, { 'idempotency-key': key });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.state, 'succeeded');

      const before = await snapshot(s);
      const again = await pay(body, { 'idempotency-key': key });
      assert.equal(again.status, first.status);
      assert.deepEqual(again.body, first.body);
      assertUnchanged(before, await snapshot(s), { what: 'replay' });
      const charges = s.rt.sandboxWallet!.chargeSummary().filter((c) => c.out_trade_no === body.outTradeNo);
      assert.equal(charges.length, 1);
      assert.equal(charges[0]!.times_charged, 1, 'the replay did not charge the customer again');

      for (const changed of [{ ...body, amount: 1235 }, { ...body, outTradeNo: tradeNo('PC') }, { ...body, description: 'other' }]) {
        const e = await refusedWithoutWrites(s, () => pay(changed, { 'idempotency-key': key }), 409, 'idempotency_key_reused');
        assert.match(e.message, /different request body/);
      }
      // Key order does not make a body different.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const third = await pay(reordered, { 'idempotency-key': key });
      assert.deepEqual({ status: third.status, body: third.body }, { status: first.status, body: first.body });
    });

    test('same outTradeNo with a different body → 409, and under a new key → 409 duplicate_trade_no', async () => {
      const body = cash(1500);
      const first = await pay(body);
      assert.equal(first.status, 201);
      const again = await pay(body);
      assert.deepEqual({ status: again.status, body: again.body }, { status: first.status, body: first.body });
      await refusedWithoutWrites(s, () => pay({ ...body, amount: 1600 }), 409, 'idempotency_key_reused');
      await refusedWithoutWrites(s, () => pay({ ...body, method: 'dynamic_qr', channel: 'sandbox' }), 409, 'idempotency_key_reused');
      const e = await refusedWithoutWrites(s, () => pay(body, { 'idempotency-key': `fresh-${tradeNo()}` }), 409, 'duplicate_trade_no');
      assert.match(e.message, new RegExp(body.outTradeNo));
    });

    test('an ill-formed Idempotency-Key → 400 invalid_request', async () => {
      for (const key of ['has space', 'k'.repeat(256), 'tab\there']) {
        await refusedWithoutWrites(s, () => pay(cash(1000), { 'idempotency-key': key }), 400, 'invalid_request', { messageLike: /Idempotency-Key/ });
      }
    });

    test('nothing about a refused payment reaches the wallet or the ledger', async () => {
      const journals = await s.rt.store.db.selectFrom('journals').select('ref').execute();
      const payments = new Set((await s.rt.store.db.selectFrom('payments').select('id').execute()).map((p) => p.id));
      for (const j of journals) assert.ok(payments.has(j.ref) || j.ref.startsWith('rfd_'), `journal for unknown ref ${j.ref}`);
    });
  });

  // ------------------------------------------------------------------ POST /v1/sales

  describe('POST /v1/sales', () => {
    test('malformed JSON → 400 invalid_json', async () => {
      await refusedWithoutWrites(s, () => rawJson(s, 'POST', '/v1/sales', '{"amount":1000,"currency":"CNY"'), 400, 'invalid_json');
    });

    test('wrong types, missing and extra fields → 400 invalid_request', async () => {
      const cases: Array<[string, Record<string, unknown>]> = [
        ['string amount', { amount: '1000', currency: 'CNY' }],
        ['numeric currency', { amount: 1000, currency: 156 }],
        ['missing amount', { currency: 'CNY' }],
        ['missing currency', { amount: 1000 }],
        ['extra field', { amount: 1000, currency: 'CNY', paid: 1000 }],
        ['long description', { amount: 1000, currency: 'CNY', description: 'd'.repeat(129) }],
        ['long terminalId', { amount: 1000, currency: 'CNY', terminalId: 't'.repeat(65) }],
      ];
      for (const [what, body] of cases) await refusedWithoutWrites(s, () => sale(body), 400, 'invalid_request', { what });
    });

    test('zero, negative, fractional and overflowing amounts → 400 invalid_amount', async () => {
      for (const amount of [0, -1, 12.5, 1e13, 2 ** 53]) {
        await refusedWithoutWrites(s, () => sale({ amount, currency: 'CNY' }), 400, 'invalid_amount', { what: String(amount) });
      }
    });

    test('unknown currency → 400 unknown_currency', async () => {
      await refusedWithoutWrites(s, () => sale({ amount: 1000, currency: 'XYZ' }), 400, 'unknown_currency');
    });

    test('Idempotency-Key: same body replays the first answer, a different body → 409', async () => {
      const key = `sale-${tradeNo()}`;
      const first = await sale({ amount: 2000, currency: 'CNY', description: 'table 4' }, { 'idempotency-key': key });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const before = await snapshot(s);
      const again = await sale({ amount: 2000, currency: 'CNY', description: 'table 4' }, { 'idempotency-key': key });
      assert.deepEqual({ status: again.status, body: again.body }, { status: first.status, body: first.body });
      assertUnchanged(before, await snapshot(s));
      await refusedWithoutWrites(s, () => sale({ amount: 2001, currency: 'CNY', description: 'table 4' }, { 'idempotency-key': key }), 409, 'idempotency_key_reused');
      await refusedWithoutWrites(s, () => sale({ amount: 2000, currency: 'CNY' }, { 'idempotency-key': key }), 409, 'idempotency_key_reused');
    });
  });

  // ------------------------------------------------------------------ tenders on a sale

  describe('tenders on a sale', () => {
    test('a wallet tender may not overpay → 409 tender_exceeds_due; cash may, and gives change', async () => {
      const sl = await openSale(1000);
      const over = code({ amount: 1500, saleId: sl.id });
      const e = await refusedWithoutWrites(s, () => pay(over), 409, 'tender_exceeds_due');
      assert.equal(e.details?.remaining, 1000);
      assert.match(e.message, /Only cash/);
      await refusedWithoutWrites(s, () => pay(qr({ amount: 1001, saleId: sl.id })), 409, 'tender_exceeds_due');
      assert.deepEqual(s.rt.sandboxWallet!.chargeSummary().filter((c) => c.out_trade_no === over.outTradeNo), [], 'the wallet was never asked');

      const c = await pay(cash(1500, { saleId: sl.id }));
      assert.equal(c.status, 201, JSON.stringify(c.body));
      assert.equal(c.body.state, 'succeeded');
      assert.equal(c.body.amount, 1000, 'cash applied to the sale is what was due');
      assert.equal(c.body.tendered, 1500);
      assert.equal(c.body.change, 500);
      const after = await s.terminal('GET', `/v1/sales/${sl.id}`);
      assert.equal(after.body.state, 'completed');
      assert.equal(after.body.paid, 1000);
      assert.equal(after.body.change, 500);

      // A completed sale takes no more tenders.
      await refusedWithoutWrites(s, () => pay(cash(100, { saleId: sl.id })), 409, 'sale_closed');
      await refusedWithoutWrites(s, () => pay(code({ amount: 100, saleId: sl.id })), 409, 'sale_closed');
    });

    test('split tender: what is left is enforced across tenders', async () => {
      const sl = await openSale(1000);
      const w = await pay(code({ amount: 600, saleId: sl.id }));
      assert.equal(w.status, 201, JSON.stringify(w.body));
      assert.equal(w.body.state, 'succeeded');
      const e = await refusedWithoutWrites(s, () => pay(code({ amount: 500, saleId: sl.id })), 409, 'tender_exceeds_due');
      assert.equal(e.details?.remaining, 400);
      const c = await pay(cash(500, { saleId: sl.id }));
      assert.equal(c.status, 201, JSON.stringify(c.body));
      assert.equal(c.body.amount, 400);
      assert.equal(c.body.change, 100);
    });

    test('cash with tendered above amount on a sale applies the amount and gives change', async () => {
      // The cashier applies ¥8.00 in cash (the rest will be a wallet tender); the customer hands over ¥10.00.
      const sl = await openSale(1000);
      const c = await pay(cash(800, { tendered: 1000, saleId: sl.id }));
      assert.equal(c.status, 201, JSON.stringify(c.body));
      assert.equal(c.body.tendered, 1000);
      assert.equal(c.body.amount, 800, `applied to the sale: ${JSON.stringify(c.body)}`);
      assert.equal(c.body.change, 200, `change handed back: ${JSON.stringify(c.body)}`);
      const after = await s.terminal('GET', `/v1/sales/${sl.id}`);
      assert.equal(after.body.paid, 800);
      assert.equal(after.body.state, 'open');
    });
  });

  // ------------------------------------------------------------------ POST /v1/payments/:id/refunds

  describe('POST /v1/payments/:id/refunds', () => {
    test('malformed JSON, wrong types, missing and extra fields → 400', async () => {
      const p = await paidCash(1000);
      const path = `/v1/payments/${p.id}/refunds`;
      await refusedWithoutWrites(s, () => s.raw('POST', path, { body: '{"amount":', headers: { ...signedFor('POST', path, '{"amount":'), 'content-type': 'application/json' } }), 400, 'invalid_json');
      const cases: Array<[string, Record<string, unknown>]> = [
        ['string amount', { amount: '100' }], ['missing amount', {}], ['null amount', { amount: null }],
        ['extra field', { amount: 100, paymentId: p.id }], ['long reason', { amount: 100, reason: 'r'.repeat(129) }],
        ['bad outRefundNo', { amount: 100, outRefundNo: 'has space' }], ['long outRefundNo', { amount: 100, outRefundNo: 'R'.repeat(65) }],
        ['numeric reason', { amount: 100, reason: 5 }],
      ];
      for (const [what, body] of cases) await refusedWithoutWrites(s, () => refund(p.id, body), 400, 'invalid_request', { what });
    });

    test('zero, negative, fractional and overflowing amounts → 400 invalid_amount', async () => {
      const p = await paidCash(1000);
      for (const amount of [0, -100, 12.5, 1e13, 2 ** 53]) {
        await refusedWithoutWrites(s, () => refund(p.id, { amount }), 400, 'invalid_amount', { what: String(amount) });
      }
    });

    test('a refund above what was paid → 409 refund_exceeds_paid', async () => {
      const p = await paidCash(1000);
      const e = await refusedWithoutWrites(s, () => refund(p.id, { amount: 1001 }), 409, 'refund_exceeds_paid');
      assert.equal(e.details?.refundable, 1000);
      assert.match(e.message, /1001/);
    });

    test('two partial refunds that together exceed the paid amount: the second is refused', async () => {
      const p = await paidCash(1000);
      const r1 = await refund(p.id, { amount: 600 });
      assert.equal(r1.status, 201, JSON.stringify(r1.body));
      assert.equal(r1.body.state, 'succeeded');
      const e = await refusedWithoutWrites(s, () => refund(p.id, { amount: 500 }), 409, 'refund_exceeds_paid');
      assert.equal(e.details?.refundable, 400);
      const r2 = await refund(p.id, { amount: 400 });
      assert.equal(r2.status, 201, JSON.stringify(r2.body));
      const e2 = await refusedWithoutWrites(s, () => refund(p.id, { amount: 1 }), 409, 'refund_exceeds_paid');
      assert.equal(e2.details?.refundable, 0);
      const now = await s.signed('GET', `/v1/payments/${p.id}`);
      assert.equal(now.body.refunded, 1000);
    });

    test('wallet payment: refunds in flight count against what is left', async () => {
      const p = await pay(code({ amount: 1000 }));
      assert.equal(p.body.state, 'succeeded', JSON.stringify(p.body));
      const r1 = await refund(p.body.id, { amount: 700 });
      assert.equal(r1.status, 201, JSON.stringify(r1.body));
      const e = await refusedWithoutWrites(s, () => refund(p.body.id, { amount: 301 }), 409, 'refund_exceeds_paid');
      assert.equal(e.details?.refundable, 300);
    });

    test('a payment that did not succeed → 409 payment_not_refundable', async () => {
      const failed = await pay(code({ authCode: payCode('01') }));
      assert.equal(failed.status, 201, JSON.stringify(failed.body));
      assert.equal(failed.body.state, 'failed');
      const e = await refusedWithoutWrites(s, () => refund(failed.body.id, { amount: 100 }), 409, 'payment_not_refundable');
      assert.match(e.message, /failed/);
      // Also when the refund is what is refused: the amount is checked against nothing.
      await refusedWithoutWrites(s, () => refund(failed.body.id, { amount: 99999 }), 409, 'payment_not_refundable');
    });

    test('cancelling a fully refunded cash payment → 409 invalid_transition, not a 500', async () => {
      const p = await paidCash(1000);
      const r = await refund(p.id, { amount: 1000 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      // Nothing is left to reverse; a wallet payment with refunds is refused the same way.
      // A cashier may not undo a paid payment at all; the merchant may, but not once it has refunds.
      await refusedWithoutWrites(s, () => s.terminal('POST', `/v1/payments/${p.id}/cancel`), 403, 'forbidden');
      await refusedWithoutWrites(s, () => s.signed('POST', `/v1/payments/${p.id}/cancel`), 409, 'invalid_transition');
    });

    test('a refund number taken from the Idempotency-Key is still a valid refund number', async () => {
      // outRefundNo must match ^[A-Za-z0-9_-]{1,64}$ (it goes to the wallet as its out_refund_no); when it is
      // not given, the Idempotency-Key stands in for it, so that key must not smuggle in what the schema refuses.
      for (const key of [`a/b?c&d=${'x'.repeat(100)}`, '<script>', 'k'.repeat(65)]) {
        const p = await paidCash(1000);
        const before = await snapshot(s);
        const r = await refund(p.id, { amount: 100 }, { 'idempotency-key': key });
        if (r.status === 201) {
          assert.match(r.body.outRefundNo, /^[A-Za-z0-9_-]{1,64}$/, `refund number sent to the wallet for key ${key.slice(0, 20)}…: ${r.body.outRefundNo}`);
        } else {
          expectError(r, 400, 'invalid_request');
          assertUnchanged(before, await snapshot(s));
        }
      }
    });

    test('an unknown payment → 404 not_found; an over-long id → 400', async () => {
      await refusedWithoutWrites(s, () => refund('pay_doesnotexist', { amount: 100 }), 404, 'not_found');
      await refusedWithoutWrites(s, () => refund('p'.repeat(65), { amount: 100 }), 400, 'invalid_request');
    });

    test('Idempotency-Key: replay returns the first refund; a different body → 409; a used refund number → 409', async () => {
      const p = await paidCash(1000);
      const key = `rfd-${tradeNo()}`;
      const first = await refund(p.id, { amount: 100, reason: 'cold soup' }, { 'idempotency-key': key });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const before = await snapshot(s);
      const again = await refund(p.id, { amount: 100, reason: 'cold soup' }, { 'idempotency-key': key });
      assert.deepEqual({ status: again.status, body: again.body }, { status: first.status, body: first.body });
      assertUnchanged(before, await snapshot(s));
      await refusedWithoutWrites(s, () => refund(p.id, { amount: 200, reason: 'cold soup' }, { 'idempotency-key': key }), 409, 'idempotency_key_reused');
      const other = await paidCash(1000);
      await refusedWithoutWrites(s, () => refund(other.id, { amount: 100, reason: 'cold soup' }, { 'idempotency-key': key }), 409, 'idempotency_key_reused');
      // The refund number is the key when none is given: reusing it under another key is a duplicate.
      await refusedWithoutWrites(s, () => refund(other.id, { amount: 100, outRefundNo: first.body.outRefundNo }, { 'idempotency-key': `x-${key}` }), 409, 'duplicate_trade_no');
      const now = await s.signed('GET', `/v1/payments/${p.id}`);
      assert.equal(now.body.refunded, 100);
    });
  });

  const signedFor = (method: string, path: string, text: string, key: Key = s.demo.apiKey) => sign(key, method, path, text);

  // ------------------------------------------------------------------ merchant admin

  describe('merchant admin routes', () => {
    const admin = (method: string, path: string, body?: unknown, key?: Key) => s.signed(method, path, body, key ? { key } : {});

    test('malformed JSON on every admin route → 400 invalid_json', async () => {
      const m = s.demo.merchantId;
      const routes: Array<[string, string, Key]> = [
        ['POST', `/v1/merchants/${m}/stores`, s.demo.apiKey], ['POST', `/v1/merchants/${m}/terminals`, s.demo.apiKey],
        ['POST', `/v1/merchants/${m}/operators`, s.demo.apiKey], ['PUT', `/v1/merchants/${m}/webhook`, s.demo.apiKey],
        ['POST', '/v1/merchants', s.demo.platformKey],
      ];
      for (const [method, path, key] of routes) {
        for (const text of ['{"name":', '{name:"x"}', "{'name':'x'}"]) {
          await refusedWithoutWrites(s, () => s.raw(method, path, { body: text, headers: { ...signedFor(method, path, text, key), 'content-type': 'application/json' } }), 400, 'invalid_json', { what: `${method} ${path} ${text}` });
        }
      }
    });

    test('stores: bad bodies → 400, unknown merchant → 404', async () => {
      const path = `/v1/merchants/${s.demo.merchantId}/stores`;
      await refusedWithoutWrites(s, () => s.raw('POST', path, { body: '{"name":', headers: { ...signedFor('POST', path, '{"name":'), 'content-type': 'application/json' } }), 400, 'invalid_json');
      for (const body of [{}, { name: '' }, { name: 'n'.repeat(101) }, { name: 5 }, { name: 'ok', merchantId: b.merchantId }]) {
        await refusedWithoutWrites(s, () => admin('POST', path, body), 400, 'invalid_request', { what: JSON.stringify(body).slice(0, 40) });
      }
      await refusedWithoutWrites(s, () => admin('POST', '/v1/merchants/mch_nope/stores', { name: 'x' }), 404, 'not_found');
      await refusedWithoutWrites(s, () => admin('POST', '/v1/merchants/mch_nope/stores', { name: 'x' }, s.demo.platformKey), 404, 'not_found');
    });

    test('terminals: bad bodies → 400, a store that is not ours → 404', async () => {
      const path = `/v1/merchants/${s.demo.merchantId}/terminals`;
      for (const body of [{}, { storeId: s.demo.storeId }, { name: 'till' }, { storeId: s.demo.storeId, name: '' }, { storeId: 7, name: 'till' }, { storeId: s.demo.storeId, name: 'till', token: 'term_mine' }]) {
        await refusedWithoutWrites(s, () => admin('POST', path, body), 400, 'invalid_request', { what: JSON.stringify(body).slice(0, 40) });
      }
      await refusedWithoutWrites(s, () => admin('POST', path, { storeId: 'sto_nope', name: 'till' }), 404, 'not_found');
      await refusedWithoutWrites(s, () => admin('POST', path, { storeId: b.storeId, name: 'till' }), 404, 'not_found');
    });

    test('operators: bad role or PIN → 400, a store that is not ours → 404', async () => {
      const path = `/v1/merchants/${s.demo.merchantId}/operators`;
      const ok = { name: 'Zhang', role: 'cashier', pin: '4567', storeId: s.demo.storeId };
      const cases: Array<Record<string, unknown>> = [
        { ...ok, role: 'owner' }, { ...ok, role: 'Cashier' }, { ...ok, pin: '12ab' }, { ...ok, pin: '123' }, { ...ok, pin: '123456789' },
        { ...ok, pin: 4567 }, { ...ok, pin: '' }, { ...ok, name: '' }, { ...ok, name: 'n'.repeat(101) }, { ...ok, failedAttempts: 0 },
        { role: 'cashier', pin: '4567' }, { name: 'x', pin: '4567' }, { name: 'x', role: 'cashier' },
      ];
      for (const body of cases) await refusedWithoutWrites(s, () => admin('POST', path, body), 400, 'invalid_request', { what: JSON.stringify(body).slice(0, 60) });
      await refusedWithoutWrites(s, () => admin('POST', path, { ...ok, storeId: b.storeId }), 404, 'not_found');
      await refusedWithoutWrites(s, () => admin('POST', path, { ...ok, storeId: 'sto_nope' }), 404, 'not_found');
    });

    test('webhook: bad URL or fields → 400 and the endpoint is unchanged', async () => {
      const path = `/v1/merchants/${s.demo.merchantId}/webhook`;
      const cases: Array<Record<string, unknown>> = [
        {}, { url: 'ftp://example.com/hook' }, { url: 'javascript:alert(1)' }, { url: 'example.com/hook' }, { url: 5 },
        { url: `https://example.com/${'p'.repeat(500)}` }, { url: 'https://example.com/hook', rotateSecret: 'yes' },
        { url: 'https://example.com/hook', secret: 'whsec_mine' },
      ];
      for (const body of cases) await refusedWithoutWrites(s, () => admin('PUT', path, body), 400, 'invalid_request', { what: JSON.stringify(body).slice(0, 60) });
      await refusedWithoutWrites(s, () => admin('PUT', '/v1/merchants/mch_nope/webhook', { url: null }, s.demo.platformKey), 404, 'not_found');
    });

    test('merchants (platform key): bad bodies → 400, unknown currency → unknown_currency', async () => {
      const key = s.demo.platformKey;
      const cases: Array<[string, Record<string, unknown>]> = [
        ['missing name', {}], ['empty name', { name: '' }], ['long name', { name: 'n'.repeat(101) }], ['numeric name', { name: 1 }],
        ['bad timezone', { name: 'X', timezone: 'Mars/Olympus_Mons' }], ['bad webhook', { name: 'X', webhookUrl: 'ftp://x' }],
        ['extra field', { name: 'X', id: 'mch_chosen' }], ['short currency', { name: 'X', currency: 'CN' }],
      ];
      for (const [what, body] of cases) await refusedWithoutWrites(s, () => admin('POST', '/v1/merchants', body, key), 400, 'invalid_request', { what });
      await refusedWithoutWrites(s, () => admin('POST', '/v1/merchants', { name: 'X', currency: 'XYZ' }, key), 400, 'unknown_currency');
    });

    test('operator login: bad bodies → 400, unknown or foreign operator → 404, and no PIN counter moves', async () => {
      const login = (body: unknown) => s.terminal('POST', '/v1/operators/login', body);
      await refusedWithoutWrites(s, () => rawJson(s, 'POST', '/v1/operators/login', '{"operatorId":'), 400, 'invalid_json');
      const op = s.demo.operator.id;
      const cases: Array<Record<string, unknown>> = [
        {}, { operatorId: op }, { pin: '1234' }, { operatorId: op, pin: 1234 }, { operatorId: op, pin: '' },
        { operatorId: op, pin: '1'.repeat(17) }, { operatorId: op, pin: '1234', terminalId: s.demo.terminalId }, { operatorId: 'o'.repeat(65), pin: '1234' },
      ];
      for (const body of cases) await refusedWithoutWrites(s, () => login(body), 400, 'invalid_request', { what: JSON.stringify(body).slice(0, 60) });
      await refusedWithoutWrites(s, () => login({ operatorId: 'opr_nope', pin: '1234' }), 404, 'not_found');
      // Merchant B's operator, even with its right PIN, is not found on merchant A's terminal.
      await refusedWithoutWrites(s, () => login({ operatorId: b.operatorId, pin: '2468' }), 404, 'not_found');
      await refusedWithoutWrites(s, () => login({ operatorId: b.operatorId, pin: '0000' }), 404, 'not_found');
    });
  });

  // ------------------------------------------------------------------ other merchants' ids

  describe("another merchant's ids are not found, never shown", () => {
    let pa: any; // merchant A's payment
    let ra: any; // ... its refund
    let sa: any; // ... a sale
    const asB = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => s.signed(method, path, body, { key: b.key, headers });
    const bTerminal = (method: string, path: string, body?: unknown) => s.raw(method, path, {
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headers: { authorization: `Bearer ${b.terminalToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    });

    function hidden(r: Res) {
      expectError(r, 404, 'not_found');
      const text = JSON.stringify(r.body);
      for (const secret of [pa.outTradeNo, s.demo.merchantName, String(pa.amount), ra.outRefundNo]) {
        assert.ok(!text.includes(secret), `response leaks ${secret}: ${text}`);
      }
    }

    before(async () => {
      pa = await paidCash(4321);
      const r = await refund(pa.id, { amount: 321 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ra = r.body;
      sa = await openSale(8765);
    });

    test('reads with merchant B credentials → 404 not_found', async () => {
      for (const path of [`/v1/payments/${pa.id}`, `/v1/payments/${pa.id}/events`, `/v1/payments/${pa.id}/refunds`, `/v1/sales/${sa.id}`, `/v1/refunds/${ra.id}`,
        `/v1/merchants/${s.demo.merchantId}`, `/v1/merchants/${s.demo.merchantId}/stores`, `/v1/merchants/${s.demo.merchantId}/terminals`, `/v1/merchants/${s.demo.merchantId}/operators`]) {
        hidden(await asB('GET', path));
        hidden(await bTerminal('GET', path));
      }
      // Naming merchant A explicitly does not help.
      hidden(await asB('GET', `/v1/payments/${pa.id}`, undefined, { 'saoma-merchant': s.demo.merchantId }));
      hidden(await asB('GET', '/v1/payments', undefined, { 'saoma-merchant': s.demo.merchantId }));
      // B's own list does not contain A's payment.
      const list = await asB('GET', '/v1/payments');
      assert.equal(list.status, 200);
      assert.ok(!JSON.stringify(list.body).includes(pa.id));
    });

    test('writes on A resources with B credentials → 404 not_found and nothing changes', async () => {
      const calls: Array<[string, () => Promise<Res>]> = [
        ['refund A payment', () => asB('POST', `/v1/payments/${pa.id}/refunds`, { amount: 100 })],
        ['cancel A payment', () => asB('POST', `/v1/payments/${pa.id}/cancel`)],
        ['query A payment', () => asB('POST', `/v1/payments/${pa.id}/query`)],
        ['cancel A payment by terminal', () => bTerminal('POST', `/v1/payments/${pa.id}/cancel`)],
        ['store under A', () => asB('POST', `/v1/merchants/${s.demo.merchantId}/stores`, { name: 'intruder' })],
        ['terminal under A', () => asB('POST', `/v1/merchants/${s.demo.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'intruder' })],
        ['operator under A', () => asB('POST', `/v1/merchants/${s.demo.merchantId}/operators`, { name: 'x', role: 'manager', pin: '1111' })],
        ['api key under A', () => asB('POST', `/v1/merchants/${s.demo.merchantId}/api-keys`)],
        ['revoke A key', () => asB('DELETE', `/v1/merchants/${s.demo.merchantId}/api-keys/${s.demo.apiKey.id}`)],
        ['revoke A key via B path', () => asB('DELETE', `/v1/merchants/${b.merchantId}/api-keys/${s.demo.apiKey.id}`)],
        ['A webhook', () => asB('PUT', `/v1/merchants/${s.demo.merchantId}/webhook`, { url: 'https://evil.example/hook', rotateSecret: true })],
        ['B terminal under A store', () => asB('POST', `/v1/merchants/${b.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'intruder' })],
        ['B operator at A store', () => asB('POST', `/v1/merchants/${b.merchantId}/operators`, { name: 'x', role: 'cashier', pin: '1111', storeId: s.demo.storeId })],
        ['payment on A terminal', () => asB('POST', '/v1/payments', cash(100, { terminalId: s.demo.terminalId }))],
        ['tender on A sale (B key)', () => asB('POST', '/v1/payments', cash(100, { terminalId: b.terminalId, saleId: sa.id }))],
        ['tender on A sale (B terminal)', () => bTerminal('POST', '/v1/payments', cash(100, { saleId: sa.id }))],
        ['login A operator on B terminal', () => bTerminal('POST', '/v1/operators/login', { operatorId: s.demo.operator.id, pin: s.demo.operator.pin })],
      ];
      for (const [what, call] of calls) {
        const before = await snapshot(s);
        hidden(await call());
        assertUnchanged(before, await snapshot(s), { what });
      }
      // Still A's, still as it was.
      const still = await s.signed('GET', `/v1/payments/${pa.id}`);
      assert.equal(still.body.state, 'succeeded');
      assert.equal(still.body.refunded, 321);
      const key = await s.signed('GET', '/v1/payments?limit=1');
      assert.equal(key.status, 200, 'A key is not revoked');
    });
  });

  // ------------------------------------------------------------------ unknown routes

  describe('unknown routes', () => {
    test('→ 404 not_found as JSON, with or without credentials', async () => {
      const cases: Array<[string, string]> = [['GET', '/v1/nope'], ['POST', '/v1/payment'], ['DELETE', '/v1/payments'], ['GET', '/'], ['PATCH', '/v1/payments/pay_x'], ['POST', '/v1/payments/pay_x/refundz']];
      for (const [method, path] of cases) {
        for (const res of [await s.raw(method, path), await s.terminal(method, path), await s.signed(method, path)]) {
          const e = expectError(res, 404, 'not_found');
          assert.match(e.message, new RegExp(`${method} ${path.replace(/[/]/g, '\\/')}`));
        }
      }
      const res = await fetch(`${s.url}/v1/nope`);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      await res.text();
    });

    test('an unknown route with a body writes nothing', async () => {
      await refusedWithoutWrites(s, () => s.terminal('POST', '/v1/paymentz', cash(1000)), 404, 'not_found');
      await refusedWithoutWrites(s, () => s.signed('POST', '/v1/paymentz', cash(1000)), 404, 'not_found', { nonces: 0 });
      // The body is parsed before routing, so a broken body on a missing route is reported as broken JSON.
      const before = await snapshot(s);
      const r = await rawJson(s, 'POST', '/v1/paymentz', '{"broken":');
      expectError(r, r.status, r.body?.error?.code);
      assert.ok(['not_found', 'invalid_json'].includes(r.body.error.code), JSON.stringify(r.body));
      assertUnchanged(before, await snapshot(s));
    });
  });

  // ------------------------------------------------------------------ retries and races

  describe('the same request many times at once', () => {
    const codes = (rs: Res[]) => rs.map((r) => `${r.status}:${r.body?.error?.code ?? r.body?.state ?? r.body?.id}`).join(' ');

    test('parallel partial refunds never exceed what was paid', async () => {
      for (const p of [await paidCash(1000), (await pay(code({ amount: 1000 }))).body]) {
        assert.equal(p.state, 'succeeded');
        const rs = await Promise.all(Array.from({ length: 6 }, () => refund(p.id, { amount: 300 })));
        const ok = rs.filter((r) => r.status === 201);
        assert.equal(ok.length, 3, codes(rs));
        for (const r of rs.filter((x) => x.status !== 201)) expectError(r, 409, 'refund_exceeds_paid');
        const refunds = await s.rt.store.db.selectFrom('refunds').select(['amount', 'state']).where('payment_id', '=', p.id).execute();
        assert.equal(refunds.reduce((n, r) => n + Number(r.amount), 0), 900);
      }
    });

    test('parallel wallet tenders never overpay a sale', async () => {
      const sl = await openSale(1000);
      const rs = await Promise.all(Array.from({ length: 4 }, () => pay(code({ amount: 600, saleId: sl.id }))));
      assert.equal(rs.filter((r) => r.status === 201).length, 1, codes(rs));
      for (const r of rs.filter((x) => x.status !== 201)) expectError(r, 409, 'tender_exceeds_due');
      const rows = await s.rt.store.db.selectFrom('payments').select('id').where('sale_id', '=', sl.id).execute();
      assert.equal(rows.length, 1);
    });

    test('parallel retries with one Idempotency-Key or trade number make one payment or sale', async () => {
      const body = cash(1000);
      const key = `par-${tradeNo()}`;
      const rs = await Promise.all(Array.from({ length: 6 }, () => pay(body, { 'idempotency-key': key })));
      assert.equal(new Set(rs.map((r) => r.body.id)).size, 1, codes(rs));
      for (const r of rs) assert.equal(r.status, 201, codes(rs));
      const byTrade = cash(1000);
      const rs2 = await Promise.all(Array.from({ length: 6 }, () => pay(byTrade)));
      assert.equal(new Set(rs2.map((r) => r.body.id)).size, 1, codes(rs2));
      const saleKey = `par-sale-${tradeNo()}`;
      const rs3 = await Promise.all(Array.from({ length: 6 }, () => sale({ amount: 300, currency: 'CNY' }, { 'idempotency-key': saleKey })));
      assert.equal(new Set(rs3.map((r) => r.body.id)).size, 1, codes(rs3));
      const n = await s.rt.store.db.selectFrom('payments').select('id').where('out_trade_no', 'in', [body.outTradeNo, byTrade.outTradeNo]).execute();
      assert.equal(n.length, 2);
    });
  });

  // ------------------------------------------------------------------ characters the stores treat differently

  describe('a NUL character in a string', () => {
    test('is never a 500: refused with a 4xx that writes nothing, or stored as sent', async () => {
      const p = await paidCash(1000);
      const nul = 'a\u0000b';
      const calls: Array<[string, () => Promise<Res>]> = [
        ['payment description', () => pay(cash(1000, { description: nul }))],
        ['QR payment description', () => pay(qr({ description: nul }))],
        ['payment saleId', () => pay(cash(1000, { saleId: nul }))],
        ['payment terminalId (key)', () => s.signed('POST', '/v1/payments', cash(1000, { terminalId: nul }))],
        ['sale description', () => sale({ amount: 100, currency: 'CNY', description: nul })],
        ['refund reason', () => refund(p.id, { amount: 100, reason: nul })],
        ['store name', () => s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stores`, { name: nul })],
        ['operator name', () => s.signed('POST', `/v1/merchants/${s.demo.merchantId}/operators`, { name: nul, role: 'cashier', pin: '1234' })],
        ['merchant name', () => s.signed('POST', '/v1/merchants', { name: nul }, { key: s.demo.platformKey })],
        // Merchant B has no events, so a stored URL sends nothing anywhere.
        ['webhook url', () => s.signed('PUT', `/v1/merchants/${b.merchantId}/webhook`, { url: `https://example.invalid/${nul}` }, { key: b.key })],
        ['login operatorId', () => s.terminal('POST', '/v1/operators/login', { operatorId: nul, pin: '1234' })],
        ['payment id in path', () => s.terminal('GET', '/v1/payments/a%00b')],
        ['sale id in path', () => s.terminal('GET', '/v1/sales/a%00b')],
        ['refund id in path', () => s.signed('GET', '/v1/refunds/a%00b')],
        ['refund of payment id in path', () => s.signed('POST', '/v1/payments/a%00b/refunds', { amount: 100 })],
        ['state filter', () => s.terminal('GET', '/v1/payments?state=%00')],
        ['api key id in path', () => s.signed('DELETE', `/v1/merchants/${s.demo.merchantId}/api-keys/a%00b`)],
      ];
      const failures: string[] = [];
      for (const [what, call] of calls) {
        const before = await snapshot(s);
        const r = await call();
        if (r.status >= 500) {
          failures.push(`${what} → ${r.status} ${r.body?.error?.code}`);
          continue;
        }
        if (r.status >= 400) {
          assert.ok([400, 404].includes(r.status), `${what}: ${r.status} ${JSON.stringify(r.body)}`);
          expectError(r, r.status, r.body.error.code);
          assertUnchanged(before, await snapshot(s), { what });
        }
      }
      assert.equal(failures.length, 0, `NUL characters must be refused (400 invalid_request) or stored, never a 500:\n  ${failures.join('\n  ')}`);
    });
  });
});
