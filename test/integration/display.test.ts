import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, eventually, type TestServer } from '../helpers/server.ts';
import { TEST_STORE } from '../helpers/store.ts';
import { scan, showQr, tradeNo } from '../helpers/flows.ts';
import { hashToken } from '../../src/security/secrets.ts';
import { MAX_DISPLAY_STATE_BYTES } from '../../src/display/state.ts';
import { watchSse } from '../helpers/sse.ts';

/**
 * The customer display: pairing (a signed read-only token), what the POS pushes, and the server's own
 * payment events, on one SSE stream per display. A display token opens that stream and nothing else.
 */

const watchDisplay = (url: string, token: string) => watchSse(`${url}/v1/display/stream`, token);

const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

async function link(s: TestServer, token = s.demo.terminalToken) {
  const r = await s.raw('POST', '/v1/terminal/display-link', { headers: bearer(token) });
  assert.equal(r.status, 200, r.text);
  return r.body as { url: string; token: string; expiresAt: string; terminalId: string };
}

async function push(s: TestServer, body: unknown, token = s.demo.terminalToken) {
  return s.raw('PUT', '/v1/terminal/display', { body: JSON.stringify(body), headers: bearer(token, { 'content-type': 'application/json' }) });
}

const sale = (amount: number, items = [{ name: '豆浆', quantity: 2, unitPrice: amount / 2 }]) => ({ view: 'sale', currency: 'CNY', amount, due: amount, paid: 0, items });

describe(`customer display (${TEST_STORE})`, () => {
  let s: TestServer;
  let display: string;
  before(async () => {
    s = await startServer({ qrTtlMs: 120_000 });
    display = (await link(s)).token;
  });
  after(async () => s?.close());

  test('pairing: a read-only link for this terminal, with the token only in the URL fragment', async () => {
    const l = await link(s);
    assert.match(l.token, /^disp_[A-Za-z0-9_-]+\.[0-9a-f]{64}$/);
    assert.equal(l.url, `${s.rt.config.publicUrl}/display/#${l.token}`);
    assert.equal(l.terminalId, s.demo.terminalId);
    assert.ok(Date.parse(l.expiresAt) > Date.now() + 7 * 24 * 3600_000, 'lasts weeks, not minutes');
    // An operator logged in on the terminal may pair too; a merchant key has no counter to pair with.
    const login = await s.terminal('POST', '/v1/operators/login', { operatorId: s.demo.operator.id, pin: s.demo.operator.pin });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const byOperator = await link(s, login.body.token);
    assert.equal(byOperator.terminalId, s.demo.terminalId);
    const byKey = await s.signed('POST', '/v1/terminal/display-link');
    assert.equal(byKey.status, 403);
  });

  test('a push reaches the stream; a display that connects later gets the last push first', async () => {
    const feed = watchDisplay(s.url, display);
    try {
      await feed.ready;
      assert.equal(await feed.status, 200);
      await eventually(async () => feed.events.some((e) => e.event === 'display'), 'the current state on connect');
      const r = await push(s, sale(1250));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { ok: true, truncated: false });
      const got = await eventually(async () => feed.events.find((e) => e.event === 'display' && e.data.view === 'sale'), 'the pushed sale');
      assert.deepEqual(got.data, sale(1250));
    } finally {
      feed.close();
    }
    const late = watchDisplay(s.url, display);
    try {
      await late.ready;
      const first = await eventually(async () => late.events[0], 'the first event');
      assert.equal(first.event, 'display');
      assert.deepEqual(first.data, sale(1250));
    } finally {
      late.close();
    }
  });

  test('a QR payment on the terminal: the display gets the server\'s payment events, paid only when the wallet paid', async () => {
    const feed = watchDisplay(s.url, display);
    try {
      await feed.ready;
      const qr = await showQr(s, tradeNo('DISP'), 1250);
      assert.equal(qr.status, 201, JSON.stringify(qr.body));
      const r = await push(s, { view: 'qr', currency: 'CNY', amount: 1250, paymentId: qr.body.id, qrCode: qr.body.qrCode, expiresAt: qr.body.expiresAt });
      assert.equal(r.status, 200, r.text);
      // The push naming the payment is followed by the payment as the server has it: not paid yet.
      await eventually(async () => feed.events.some((e) => e.event === 'payment' && e.data.id === qr.body.id && e.data.state === 'waiting_customer'), 'the payment as it stands');
      assert.ok(!feed.events.some((e) => e.event === 'payment' && e.data.state === 'succeeded'));
      await scan(s, qr.body.qrCode);
      const paid = await eventually(async () => feed.events.find((e) => e.event === 'payment' && e.data.id === qr.body.id && e.data.state === 'succeeded'), 'the payment event saying succeeded');
      assert.deepEqual(Object.keys(paid.data).sort(), ['amount', 'change', 'currency', 'id', 'method', 'state', 'tendered', 'updatedAt'], 'no trade numbers or descriptions on the customer\'s screen');
      assert.equal(paid.data.amount, 1250);
    } finally {
      feed.close();
    }
  });

  test('a display token opens its stream and nothing else', async () => {
    const t2 = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'Counter 2' });
    assert.equal(t2.status, 201, JSON.stringify(t2.body));
    const h = bearer(display, { 'content-type': 'application/json' });
    const refused = [
      await s.raw('POST', '/v1/payments', { body: JSON.stringify({ outTradeNo: tradeNo('DX'), amount: 100, currency: 'CNY', method: 'dynamic_qr', channel: 'sandbox' }), headers: h }),
      await s.raw('GET', '/v1/payments', { headers: h }),
      await s.raw('GET', `/v1/terminals/${s.demo.terminalId}/stream`, { headers: h }),
      await s.raw('GET', `/v1/terminals/${t2.body.id}/stream`, { headers: h }),
      await s.raw('PUT', '/v1/terminal/display', { body: JSON.stringify({ view: 'idle' }), headers: h }),
      await s.raw('POST', '/v1/terminal/display-link', { headers: h }),
      await s.raw('GET', '/v1/terminal', { headers: h }),
      await s.raw('POST', '/v1/operators/login', { body: JSON.stringify({ operatorId: s.demo.operator.id, pin: s.demo.operator.pin }), headers: h }),
      await s.raw('GET', `/v1/merchants/${s.demo.merchantId}/terminals`, { headers: h }),
    ];
    for (const r of refused) {
      assert.equal(r.status, 403, r.text);
      assert.equal(r.body.error.code, 'forbidden');
    }
    // Nothing was created on the way.
    assert.ok(!(await s.terminal('GET', '/v1/payments')).body.data.some((p: { outTradeNo: string }) => p.outTradeNo.startsWith('DX-')));
    // A forged or altered token is no token; nor is the terminal's own token on the display stream.
    const [body, mac] = display.slice(5).split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = `disp_${Buffer.from(JSON.stringify({ ...claims, t: t2.body.id })).toString('base64url')}.${mac}`;
    for (const token of [forged, `${display.slice(0, -1)}${display.endsWith('0') ? '1' : '0'}`, 'disp_', 'disp_x.y']) {
      const r = await s.raw('GET', '/v1/display/stream', { headers: bearer(token) });
      assert.equal(r.status, 401, `${token}: ${r.text}`);
      assert.equal(r.body.error.code, 'unauthenticated');
    }
    const byTerminal = await s.raw('GET', '/v1/display/stream', { headers: bearer(s.demo.terminalToken) });
    assert.equal(byTerminal.status, 403);
  });

  test('terminal A\'s display sees A\'s pushes and payments only; B\'s display only B\'s', async () => {
    const t2 = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'Counter 3' });
    const bDisplay = (await link(s, t2.body.token)).token;
    const a = watchDisplay(s.url, display);
    const b = watchDisplay(s.url, bDisplay);
    try {
      await Promise.all([a.ready, b.ready]);
      await push(s, sale(800));
      await push(s, sale(4200), t2.body.token);
      await eventually(async () => a.events.some((e) => e.data.amount === 800), 'A\'s push on A\'s display');
      await eventually(async () => b.events.some((e) => e.data.amount === 4200), 'B\'s push on B\'s display');
      const qr = await showQr(s, tradeNo('DISPA'), 333);
      await scan(s, qr.body.qrCode);
      await eventually(async () => a.events.some((e) => e.event === 'payment' && e.data.id === qr.body.id && e.data.state === 'succeeded'), 'A\'s payment on A\'s display');
      // B's display heard its own push after A's payment settled only if events were in order; what matters is it never saw A's.
      await push(s, sale(4300), t2.body.token);
      await eventually(async () => b.events.some((e) => e.data.amount === 4300), 'a later push on B');
      assert.ok(!b.events.some((e) => e.data.amount === 800 || e.data.id === qr.body.id), 'nothing of A on B\'s display');
      assert.ok(!a.events.some((e) => e.data.amount === 4200 || e.data.amount === 4300), 'nothing of B on A\'s display');
      // A display naming another terminal's payment learns nothing about it.
      await push(s, { view: 'result', currency: 'CNY', amount: 333, paymentId: qr.body.id }, t2.body.token);
      await push(s, sale(4400), t2.body.token);
      await eventually(async () => b.events.some((e) => e.data.amount === 4400), 'the push after');
      assert.ok(!b.events.some((e) => e.event === 'payment'));
    } finally {
      a.close();
      b.close();
    }
  });

  test('a new device token for the terminal ends its displays\' pairing', async () => {
    const t = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'Counter 4' });
    const token = (await link(s, t.body.token)).token;
    const before = watchDisplay(s.url, token);
    assert.equal(await before.status, 200);
    before.close();
    await s.rt.store.write((tx) => tx.updateTable('terminals').set({ token_hash: hashToken('term_replaced_device_token') }).where('id', '=', t.body.id).execute());
    const feed = watchDisplay(s.url, token);
    assert.equal(await feed.status, 401);
    feed.close();
  });

  test('bad bodies are refused with a clear 400 and reach no display', async () => {
    const feed = watchDisplay(s.url, display);
    try {
      await feed.ready;
      await eventually(async () => feed.events.length > 0, 'the state on connect');
      const before = feed.events.length;
      const cases: Array<[unknown, string, RegExp]> = [
        [{ view: 'party' }, 'invalid_request', /view must be one of idle, sale, qr, result, change/],
        [{ ...sale(100), items: Array.from({ length: 101 }, () => ({ name: 'x', quantity: 1, unitPrice: 1 })) }, 'invalid_request', /items/],
        [{ ...sale(100), items: [{ name: 'x'.repeat(65), quantity: 1, unitPrice: 100 }] }, 'invalid_request', /name/],
        [{ ...sale(100), amount: 12.5 }, 'invalid_request', /amount/],
        [{ ...sale(100), amount: -1 }, 'invalid_request', /amount/],
        [{ ...sale(100), amount: '100' }, 'invalid_request', /amount/],
        [{ ...sale(100), currency: 'XXX' }, 'unknown_currency', /XXX/],
        [{ ...sale(100), secret: 1 }, 'invalid_request', /additional properties: secret/],
        [{ view: 'change', currency: 'CNY', amount: 1000 }, 'invalid_request', /required properties tendered, change/],
        [[{ view: 'idle' }], 'invalid_request', /JSON object/],
        [{ ...sale(100), due: 200 }, 'invalid_request', /due/],
        [{ view: 'change', currency: 'CNY', amount: 1000, tendered: 2000, change: 2500 }, 'invalid_request', /change/],
        [{ view: 'qr', currency: 'CNY', amount: 1, paymentId: 'pay_nope', qrCode: 'x', expiresAt: null }, 'invalid_request', /paymentId/],
      ];
      for (const [body, code, words] of cases) {
        const r = await push(s, body);
        assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
        assert.equal(r.body.error.code, code, r.text);
        assert.match(r.body.error.message, words, r.text);
        assert.doesNotMatch(r.body.error.message, /anyOf|match a schema|required property/, 'one complaint about the view named, not one per view');
      }
      const noBody = await s.raw('PUT', '/v1/terminal/display', { headers: bearer(s.demo.terminalToken, { 'content-type': 'application/json' }) });
      assert.equal(noBody.status, 400, noBody.text);
      const zh = await s.raw('PUT', '/v1/terminal/display', { body: JSON.stringify({ view: 'party' }), headers: bearer(s.demo.terminalToken, { 'content-type': 'application/json', 'accept-language': 'zh-CN' }) });
      assert.equal(zh.status, 400);
      assert.match(zh.body.error.message, /[\u4e00-\u9fff]/, 'a Chinese reader gets Chinese');
      // A good push after the bad ones proves the stream was live the whole time and got none of them.
      await push(s, sale(700));
      await eventually(async () => feed.events.some((e) => e.data.amount === 700), 'the good push');
      assert.equal(feed.events.length, before + 1);
    } finally {
      feed.close();
    }
  });

  test('a hundred long lines: the last ones are dropped to fit one NOTIFY, and the state says so', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ name: `${'特级手工拉面配卤牛肉加蛋'.repeat(5)}${i}`.slice(0, 64), quantity: 1, unitPrice: 100 }));
    const r = await push(s, { view: 'sale', currency: 'CNY', amount: 10_000, due: 10_000, paid: 0, items });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.truncated, true);
    const feed = watchDisplay(s.url, display);
    try {
      const got = await eventually(async () => feed.events.find((e) => e.event === 'display'), 'the state');
      assert.equal(got.data.truncated, true);
      assert.equal(got.data.amount, 10_000, 'totals are whole');
      assert.ok(got.data.items.length > 10 && got.data.items.length < 100, `${got.data.items.length} lines kept`);
      assert.deepEqual(got.data.items, items.slice(0, got.data.items.length), 'the first lines, in order');
      assert.ok(Buffer.byteLength(JSON.stringify(got.data)) <= MAX_DISPLAY_STATE_BYTES);
    } finally {
      feed.close();
    }
  });
});

describe('customer display across two instances on one PostgreSQL database', { skip: TEST_STORE !== 'pg' && 'PostgreSQL only' }, () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startServer({ qrTtlMs: 120_000 });
    b = await startServer({}, { database: a.db });
  });
  after(async () => {
    await b?.close({ keepDatabase: true });
    await a?.close();
  });

  test('a push and a payment through instance A reach a display watching instance B; B remembers the push for late displays', async () => {
    const token = (await link(a)).token;
    const feed = watchDisplay(b.url, token);
    try {
      await feed.ready;
      assert.equal(await feed.status, 200, 'a token issued by A is good on B (same master key)');
      const r = await push(a, sale(2600));
      assert.equal(r.status, 200, r.text);
      await eventually(async () => feed.events.some((e) => e.event === 'display' && e.data.amount === 2600), 'A\'s push on B\'s stream');
      const qr = await showQr(a, tradeNo('DISP2'), 2600);
      await scan(a, qr.body.qrCode);
      await eventually(async () => feed.events.some((e) => e.event === 'payment' && e.data.id === qr.body.id && e.data.state === 'succeeded'), 'A\'s payment on B\'s display stream');
      assert.equal(feed.events.filter((e) => e.event === 'display' && e.data.amount === 2600).length, 1, 'once, not once per route it could take');
    } finally {
      feed.close();
    }
    const late = watchDisplay(b.url, token);
    try {
      const first = await eventually(async () => late.events[0], 'the first event on B');
      assert.deepEqual(first.data, sale(2600));
    } finally {
      late.close();
    }
  });
});
