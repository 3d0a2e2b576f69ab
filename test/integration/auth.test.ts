import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { expectError, refusedWithoutWrites, sign, signedRaw, snapshot, tradeNo, type Key, type Res } from './support/checks.ts';

/**
 * Who may call what: terminal tokens, operator sessions (PIN login) and signed API keys; and that a
 * refused caller gets a stable 401/403/423 error and changes nothing.
 */
describe('authentication and authorization', () => {
  let s: TestServer;
  const now = () => Math.floor(Date.now() / 1000);
  const bearer = (token: string, method: string, path: string, body?: unknown) => s.raw(method, path, {
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
  });
  const cash = (amount = 1000, extra: Record<string, unknown> = {}) => ({ outTradeNo: tradeNo('AUTH'), amount, currency: 'CNY', method: 'cash', channel: 'cash', ...extra });
  const login = (operatorId: string, pin: string, token = s.demo.terminalToken) => bearer(token, 'POST', '/v1/operators/login', { operatorId, pin });

  async function paidCash(amount = 1000): Promise<any> {
    const r = await s.terminal('POST', '/v1/payments', cash(amount));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  }

  /** A new operator at the demo store, so lock-out tests never lock the demo cashier. */
  async function newOperator(role = 'cashier', pin = '5678'): Promise<string> {
    const r = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/operators`, { name: `op ${tradeNo()}`, role, pin, storeId: s.demo.storeId });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  }

  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  // ------------------------------------------------------------------ no or bad credentials

  describe('missing or bad credentials → 401', () => {
    const routes = (): Array<[string, string, unknown]> => {
      const m = s.demo.merchantId;
      return [
        ['POST', '/v1/payments', cash()],
        ['POST', '/v1/sales', { amount: 1000, currency: 'CNY' }],
        ['POST', '/v1/payments/pay_x/refunds', { amount: 100 }],
        ['POST', '/v1/payments/pay_x/cancel', undefined],
        ['GET', '/v1/payments', undefined],
        ['GET', '/v1/payments/pay_x', undefined],
        ['POST', '/v1/merchants', { name: 'Nobody' }],
        ['POST', `/v1/merchants/${m}/stores`, { name: 'x' }],
        ['POST', `/v1/merchants/${m}/terminals`, { storeId: s.demo.storeId, name: 'x' }],
        ['POST', `/v1/merchants/${m}/operators`, { name: 'x', role: 'manager', pin: '1111' }],
        ['POST', `/v1/merchants/${m}/api-keys`, undefined],
        ['PUT', `/v1/merchants/${m}/webhook`, { url: 'https://example.com/hook' }],
        ['POST', '/v1/operators/login', { operatorId: s.demo.operator.id, pin: s.demo.operator.pin }],
        ['GET', '/v1/ledger/journals', undefined],
        ['GET', '/v1/webhooks/events', undefined],
      ];
    };

    test('no credentials at all → 401 unauthenticated', async () => {
      for (const [method, path, body] of routes()) {
        const e = await refusedWithoutWrites(s, () => s.raw(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
          401, 'unauthenticated', { what: `${method} ${path}`, nonces: 0 });
        assert.match(e.message, /Bearer|Saoma-Key/);
      }
    });

    test('bad bearer tokens → 401 unauthenticated', async () => {
      const tokens = [
        'Bearer term_doesnotexist', 'Bearer ops_doesnotexist', `Bearer ${s.demo.terminalToken}x`, `Bearer ${s.demo.terminalToken.slice(0, -1)}`,
        `Bearer ${s.demo.apiKey.secret}`, `Bearer ${s.demo.apiKey.id}`, 'Bearer', 'Bearer ', `Bearer ${s.demo.terminalToken} extra`,
        `Basic ${Buffer.from(`${s.demo.apiKey.id}:${s.demo.apiKey.secret}`).toString('base64')}`, s.demo.terminalToken, 'Token abc',
      ];
      for (const authorization of tokens) {
        for (const [method, path, body] of [['POST', '/v1/payments', cash()], ['GET', '/v1/payments', undefined]] as const) {
          await refusedWithoutWrites(s, () => s.raw(method, path, { ...(body ? { body: JSON.stringify(body) } : {}), headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) } }),
            401, 'unauthenticated', { what: `${authorization.slice(0, 20)} ${method}`, nonces: 0 });
        }
      }
    });

    test('an expired operator session → 401 unauthenticated', async () => {
      const r = await login(s.demo.operator.id, s.demo.operator.pin);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const token = r.body.token as string;
      assert.equal((await bearer(token, 'GET', '/v1/payments')).status, 200);
      await s.rt.store.db.updateTable('operator_sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('operator_id', '=', s.demo.operator.id).execute();
      await refusedWithoutWrites(s, () => bearer(token, 'POST', '/v1/payments', cash()), 401, 'unauthenticated', { messageLike: /expired/ });
    });
  });

  // ------------------------------------------------------------------ signed API key requests

  describe('signed API key requests', () => {
    const key = (): Key => s.demo.apiKey;
    const saleBody = () => JSON.stringify({ amount: 1500, currency: 'CNY', terminalId: s.demo.terminalId });

    test('a correct signature works, and records its nonce once', async () => {
      const before = await snapshot(s);
      const get = await signedRaw(s, 'GET', '/v1/payments?limit=5', '', sign(key(), 'GET', '/v1/payments?limit=5', ''));
      assert.equal(get.status, 200, JSON.stringify(get.body));
      assert.ok(Array.isArray(get.body.data));
      const text = saleBody();
      const post = await signedRaw(s, 'POST', '/v1/sales', text, sign(key(), 'POST', '/v1/sales', text));
      assert.equal(post.status, 201, JSON.stringify(post.body));
      const after = await snapshot(s);
      assert.equal(after.nonces - before.nonces, 2);
      assert.equal(after.counts.sales! - before.counts.sales!, 1);
      // Hex case does not matter.
      const h = sign(key(), 'GET', '/v1/payments', '');
      const upper = await signedRaw(s, 'GET', '/v1/payments', '', { ...h, 'saoma-signature': h['saoma-signature']!.toUpperCase() });
      assert.equal(upper.status, 200, JSON.stringify(upper.body));
    });

    test('a wrong signature → 401 bad_signature, and does not burn the nonce', async () => {
      const text = saleBody();
      const good = sign(key(), 'POST', '/v1/sales', text);
      const sig = good['saoma-signature']!;
      const flipped = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
      const forged: Array<[string, Record<string, string>]> = [
        ['one hex digit off', { ...good, 'saoma-signature': flipped }],
        ['not hex', { ...good, 'saoma-signature': 'z'.repeat(64) }],
        ['short', { ...good, 'saoma-signature': sig.slice(0, 32) }],
        ['empty-ish', { ...good, 'saoma-signature': '0' }],
        ['signed with another secret', { ...good, 'saoma-signature': sign({ id: key().id, secret: 'sk_wrong' }, 'POST', '/v1/sales', text, Number(good['saoma-timestamp']), good['saoma-nonce'])['saoma-signature']! }],
        ['signed with the platform secret', { ...good, 'saoma-signature': sign({ id: key().id, secret: s.demo.platformKey.secret }, 'POST', '/v1/sales', text, Number(good['saoma-timestamp']), good['saoma-nonce'])['saoma-signature']! }],
        ['another key id', { ...good, 'saoma-key': s.demo.platformKey.id }],
      ];
      for (const [what, headers] of forged) {
        const e = await refusedWithoutWrites(s, () => signedRaw(s, 'POST', '/v1/sales', text, headers), 401, 'bad_signature', { what, nonces: 0 });
        assert.match(e.message, /HMAC-SHA256/);
      }
      // The genuine request with that same nonce still goes through.
      const ok = await signedRaw(s, 'POST', '/v1/sales', text, good);
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    test('a timestamp more than 300 s away → 401 stale_timestamp', async () => {
      for (const skew of [-301, 301, -3600, 86_400]) {
        const text = saleBody();
        const e = await refusedWithoutWrites(s, () => signedRaw(s, 'POST', '/v1/sales', text, sign(key(), 'POST', '/v1/sales', text, now() + skew)),
          401, 'stale_timestamp', { what: `skew ${skew}`, nonces: 0 });
        assert.match(e.message, /clock/);
      }
      for (const ts of ['abc', '1.5', '-5', String(Date.now()) + '0', ' 1']) {
        const h = { ...sign(key(), 'GET', '/v1/payments', ''), 'saoma-timestamp': ts };
        await refusedWithoutWrites(s, () => signedRaw(s, 'GET', '/v1/payments', '', h), 401, 'stale_timestamp', { what: ts, nonces: 0 });
      }
      // Inside the window is fine, either way.
      for (const skew of [-290, 290]) {
        const r = await signedRaw(s, 'GET', '/v1/payments', '', sign(key(), 'GET', '/v1/payments', '', now() + skew));
        assert.equal(r.status, 200, `skew ${skew}: ${JSON.stringify(r.body)}`);
      }
    });

    test('missing signing headers, a bad nonce or an unknown key → 401 unauthenticated', async () => {
      const h = sign(key(), 'GET', '/v1/payments', '');
      for (const drop of ['saoma-timestamp', 'saoma-nonce', 'saoma-signature']) {
        const headers = { ...h };
        delete headers[drop];
        await refusedWithoutWrites(s, () => signedRaw(s, 'GET', '/v1/payments', '', headers), 401, 'unauthenticated', { what: `without ${drop}`, nonces: 0 });
      }
      for (const nonce of ['short', 'n'.repeat(129)]) {
        await refusedWithoutWrites(s, () => signedRaw(s, 'GET', '/v1/payments', '', sign(key(), 'GET', '/v1/payments', '', undefined, nonce)), 401, 'unauthenticated', { what: nonce.slice(0, 10), nonces: 0 });
      }
      await refusedWithoutWrites(s, () => signedRaw(s, 'GET', '/v1/payments', '', sign({ id: 'key_doesnotexist', secret: key().secret }, 'GET', '/v1/payments', '')), 401, 'unauthenticated', { nonces: 0 });
    });

    test('a replayed nonce → 401 replayed_nonce, and the replay writes nothing', async () => {
      const text = saleBody();
      const headers = sign(key(), 'POST', '/v1/sales', text);
      const first = await signedRaw(s, 'POST', '/v1/sales', text, headers);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const e = await refusedWithoutWrites(s, () => signedRaw(s, 'POST', '/v1/sales', text, headers), 401, 'replayed_nonce', { nonces: 0 });
      assert.match(e.message, /nonce/);
      // The same nonce on another, correctly signed request is a replay too.
      const other = JSON.stringify({ amount: 999, currency: 'CNY', terminalId: s.demo.terminalId });
      await refusedWithoutWrites(s, () => signedRaw(s, 'POST', '/v1/sales', other, sign(key(), 'POST', '/v1/sales', other, Number(headers['saoma-timestamp']), headers['saoma-nonce'])), 401, 'replayed_nonce', { nonces: 0 });
      const get = sign(key(), 'GET', '/v1/payments', '', undefined, headers['saoma-nonce']);
      await refusedWithoutWrites(s, () => signedRaw(s, 'GET', '/v1/payments', '', get), 401, 'replayed_nonce', { nonces: 0 });
    });

    test('a body changed after signing → 401 bad_signature, nothing written', async () => {
      const text = saleBody();
      const headers = sign(key(), 'POST', '/v1/sales', text);
      for (const tampered of [text.replace('1500', '15000'), text.replace('{', '{ '), `${text}\n`, JSON.stringify({ amount: 1500, currency: 'CNY' })]) {
        await refusedWithoutWrites(s, () => signedRaw(s, 'POST', '/v1/sales', tampered, headers), 401, 'bad_signature', { what: tampered, nonces: 0 });
      }
      // A refund whose amount is raised in flight.
      const p = await paidCash(1000);
      const path = `/v1/payments/${p.id}/refunds`;
      const r = JSON.stringify({ amount: 100 });
      await refusedWithoutWrites(s, () => signedRaw(s, 'POST', path, JSON.stringify({ amount: 1000 }), sign(key(), 'POST', path, r)), 401, 'bad_signature', { nonces: 0 });
    });

    test('a signature computed for another path, query or method → 401 bad_signature', async () => {
      const p = await paidCash(1000);
      const body = JSON.stringify({ amount: 100 });
      const cases: Array<[string, string, string, Record<string, string>]> = [
        ['other path', 'POST', `/v1/payments/${p.id}/refunds`, sign(key(), 'POST', '/v1/payments/pay_other/refunds', body)],
        ['other endpoint', 'POST', `/v1/payments/${p.id}/refunds`, sign(key(), 'POST', `/v1/payments/${p.id}/cancel`, body)],
        ['unsigned query', 'GET', '/v1/payments?limit=1', sign(key(), 'GET', '/v1/payments', '')],
        ['query dropped', 'GET', '/v1/payments', sign(key(), 'GET', '/v1/payments?limit=1', '')],
        ['other method', 'POST', `/v1/payments/${p.id}/cancel`, sign(key(), 'GET', `/v1/payments/${p.id}/cancel`, '')],
        ['path case', 'GET', `/v1/payments/${p.id}`, sign(key(), 'GET', `/V1/PAYMENTS/${p.id}`, '')],
      ];
      for (const [what, method, path, headers] of cases) {
        const text = method === 'POST' && path.endsWith('refunds') ? body : '';
        await refusedWithoutWrites(s, () => signedRaw(s, method, path, text, headers), 401, 'bad_signature', { what, nonces: 0 });
      }
      const still = await s.signed('GET', `/v1/payments/${p.id}`);
      assert.equal(still.body.state, 'succeeded');
      assert.equal(still.body.refunded, 0);
    });

    test('a revoked key → 401 unauthenticated', async () => {
      const created = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/api-keys`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const k: Key = { id: created.body.id, secret: created.body.secret };
      assert.equal((await s.signed('GET', '/v1/payments', undefined, { key: k })).status, 200);
      const del = await s.signed('DELETE', `/v1/merchants/${s.demo.merchantId}/api-keys/${k.id}`);
      assert.equal(del.status, 204, JSON.stringify(del.body));
      for (const [method, path, body] of [['GET', '/v1/payments', undefined], ['POST', '/v1/sales', { amount: 100, currency: 'CNY', terminalId: s.demo.terminalId }]] as const) {
        const e = await refusedWithoutWrites(s, () => s.signed(method, path, body, { key: k }), 401, 'unauthenticated', { what: method, nonces: 0 });
        assert.match(e.message, /revoked/);
      }
      // A revoked key cannot revoke (or create) keys either.
      await refusedWithoutWrites(s, () => s.signed('POST', `/v1/merchants/${s.demo.merchantId}/api-keys`, undefined, { key: k }), 401, 'unauthenticated', { nonces: 0 });
      // The demo key is untouched.
      assert.equal((await s.signed('GET', '/v1/payments')).status, 200);
    });
  });

  // ------------------------------------------------------------------ roles

  describe('roles', () => {
    test('a cashier cannot refund (403 forbidden); a supervisor can', async () => {
      const p = await paidCash(1000);
      const cashier = await login(s.demo.operator.id, s.demo.operator.pin);
      assert.equal(cashier.status, 200, JSON.stringify(cashier.body));
      assert.match(cashier.body.token, /^ops_/);
      assert.equal(cashier.body.operator.role, 'cashier');
      assert.ok(!('pin' in cashier.body.operator) && !JSON.stringify(cashier.body).includes('scrypt'), 'no PIN material in the answer');
      // The cashier may take payments ...
      const took = await bearer(cashier.body.token, 'POST', '/v1/payments', cash(700));
      assert.equal(took.status, 201, JSON.stringify(took.body));
      // ... but not refund them.
      const e = await refusedWithoutWrites(s, () => bearer(cashier.body.token, 'POST', `/v1/payments/${p.id}/refunds`, { amount: 100 }), 403, 'forbidden');
      assert.match(e.message, /cashier/);
      await refusedWithoutWrites(s, () => bearer(cashier.body.token, 'GET', '/v1/ledger/journals'), 403, 'forbidden');
      await refusedWithoutWrites(s, () => bearer(cashier.body.token, 'POST', `/v1/merchants/${s.demo.merchantId}/stores`, { name: 'x' }), 403, 'forbidden');
      // An operator session cannot open another operator's session.
      await refusedWithoutWrites(s, () => login(s.demo.supervisor.id, s.demo.supervisor.pin, cashier.body.token), 403, 'forbidden');

      const sup = await login(s.demo.supervisor.id, s.demo.supervisor.pin);
      assert.equal(sup.status, 200, JSON.stringify(sup.body));
      assert.equal(sup.body.operator.role, 'supervisor');
      const r = await bearer(sup.body.token, 'POST', `/v1/payments/${p.id}/refunds`, { amount: 100 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.state, 'succeeded');
    });

    test('a terminal token cannot administer the merchant (403 forbidden)', async () => {
      const m = s.demo.merchantId;
      const p = await paidCash(1000);
      const calls: Array<[string, string, unknown]> = [
        ['POST', '/v1/merchants', { name: 'Rogue' }],
        ['GET', '/v1/merchants', undefined],
        ['POST', `/v1/merchants/${m}/stores`, { name: 'Rogue store' }],
        ['POST', `/v1/merchants/${m}/terminals`, { storeId: s.demo.storeId, name: 'Rogue till' }],
        ['POST', `/v1/merchants/${m}/operators`, { name: 'Rogue', role: 'manager', pin: '1111', storeId: s.demo.storeId }],
        ['POST', `/v1/merchants/${m}/api-keys`, undefined],
        ['DELETE', `/v1/merchants/${m}/api-keys/${s.demo.apiKey.id}`, undefined],
        ['PUT', `/v1/merchants/${m}/webhook`, { url: 'https://evil.example/hook', rotateSecret: true }],
        ['POST', `/v1/payments/${p.id}/refunds`, { amount: 100 }],
        ['GET', '/v1/ledger/journals', undefined],
        ['GET', '/v1/webhooks/events', undefined],
      ];
      for (const [method, path, body] of calls) {
        await refusedWithoutWrites(s, () => s.terminal(method, path, body), 403, 'forbidden', { what: `${method} ${path}`, messageLike: /terminal/ });
      }
    });

    test('the platform key can create a merchant but cannot take payments (403 forbidden)', async () => {
      const platform = s.demo.platformKey;
      const m = await s.signed('POST', '/v1/merchants', { name: 'Created by platform', currency: 'HKD', timezone: 'Asia/Hong_Kong' }, { key: platform });
      assert.equal(m.status, 201, JSON.stringify(m.body));
      assert.match(m.body.webhookSecret, /^whsec_/);
      const p = await paidCash(1000);
      const calls: Array<[string, string, unknown]> = [
        ['POST', '/v1/payments', cash(1000, { terminalId: s.demo.terminalId })],
        ['POST', '/v1/sales', { amount: 1000, currency: 'CNY', terminalId: s.demo.terminalId }],
        ['POST', `/v1/payments/${p.id}/refunds`, { amount: 100 }],
        ['POST', `/v1/payments/${p.id}/cancel`, undefined],
        ['POST', '/v1/operators/login', { operatorId: s.demo.operator.id, pin: s.demo.operator.pin }],
      ];
      for (const [method, path, body] of calls) {
        await refusedWithoutWrites(s, () => s.signed(method, path, body, { key: platform, headers: { 'saoma-merchant': s.demo.merchantId } }), 403, 'forbidden', { what: `${method} ${path}` });
      }
      const still = await s.signed('GET', `/v1/payments/${p.id}`);
      assert.equal(still.body.state, 'succeeded');
    });

    test('a merchant key cannot create merchants or open operator sessions (403 forbidden)', async () => {
      await refusedWithoutWrites(s, () => s.signed('POST', '/v1/merchants', { name: 'Sub-merchant' }), 403, 'forbidden');
      await refusedWithoutWrites(s, () => s.signed('GET', '/v1/merchants'), 403, 'forbidden');
      await refusedWithoutWrites(s, () => s.signed('POST', '/v1/operators/login', { operatorId: s.demo.operator.id, pin: s.demo.operator.pin }), 403, 'forbidden', { messageLike: /terminal/ });
    });
  });

  // ------------------------------------------------------------------ PIN login

  describe('operator PIN', () => {
    const opRow = (id: string) => s.rt.store.db.selectFrom('operators').select(['failed_attempts', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow();
    const sessions = async (id: string) => (await s.rt.store.db.selectFrom('operator_sessions').select('token_hash').where('operator_id', '=', id).execute()).length;

    test('a wrong PIN → 401 bad_pin with triesLeft, and no session', async () => {
      const id = await newOperator('cashier', '5678');
      const e = expectError(await login(id, '0000'), 401, 'bad_pin', /4 tries left/);
      assert.deepEqual(e.details, { triesLeft: 4 });
      expectError(await login(id, '5679'), 401, 'bad_pin');
      assert.equal((await login(id, '1')).body.error.details.triesLeft, 2);
      assert.equal(await sessions(id), 0);
      // The right PIN resets the count.
      const ok = await login(id, '5678');
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((await opRow(id)).failed_attempts, 0);
      assert.deepEqual(expectError(await login(id, '0000'), 401, 'bad_pin').details, { triesLeft: 4 });
      assert.ok(!JSON.stringify((await login(id, '0000')).body).includes('5678'));
    });

    test('5 wrong PINs → 423 operator_locked; then even the right PIN is refused, on any terminal', async () => {
      const id = await newOperator('supervisor', '2580');
      for (let i = 1; i <= 4; i++) assert.deepEqual(expectError(await login(id, '0000'), 401, 'bad_pin').details, { triesLeft: 5 - i });
      const lock = expectError(await login(id, '0000'), 423, 'operator_locked', /locked until/);
      const until = Date.parse(lock.details?.lockedUntil);
      assert.ok(until > Date.now() + 14 * 60_000 && until <= Date.now() + 15 * 60_000 + 5000, `locked for ~15 minutes: ${lock.details?.lockedUntil}`);

      const right = await refusedWithoutWrites(s, () => login(id, '2580'), 423, 'operator_locked');
      assert.equal(right.details?.lockedUntil, lock.details?.lockedUntil);
      await refusedWithoutWrites(s, () => login(id, '0000'), 423, 'operator_locked');
      assert.equal(await sessions(id), 0);

      // Another terminal in the same store sees the same lock.
      const t = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/terminals`, { storeId: s.demo.storeId, name: 'Counter 2' });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      await refusedWithoutWrites(s, () => login(id, '2580', t.body.token), 423, 'operator_locked');
    });

    test('wrong PINs sent all at once still lock the operator', async () => {
      const id = await newOperator('manager', '9753');
      const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => login(id, String(1000 + i))));
      const codes = burst.map((r) => r.body?.error?.code);
      for (const r of burst) assert.ok(r.status === 401 || r.status === 423, JSON.stringify(r.body));
      assert.ok(codes.filter((c) => c === 'bad_pin').length <= 4, `at most 4 wrong PINs answered bad_pin: ${codes.join(', ')}`);
      const tries = burst.filter((r) => r.body.error.code === 'bad_pin').map((r) => r.body.error.details.triesLeft).sort();
      assert.deepEqual(tries, [...new Set(tries)], `each bad_pin counts a distinct attempt: ${tries.join(', ')}`);
      expectError(await login(id, '9753'), 423, 'operator_locked');
    });
  });

  // ------------------------------------------------------------------ error bodies

  describe('error bodies', () => {
    test('every refusal is {error:{code,message}} with no stack trace or file path', async () => {
      const responses: Res[] = [
        await s.raw('GET', '/v1/payments'),
        await s.raw('GET', '/v1/payments', { headers: { authorization: 'Bearer nope' } }),
        await signedRaw(s, 'GET', '/v1/payments', '', { ...sign(s.demo.apiKey, 'GET', '/v1/payments', ''), 'saoma-signature': 'ab'.repeat(32) }),
        await signedRaw(s, 'GET', '/v1/payments', '', sign(s.demo.apiKey, 'GET', '/v1/payments', '', now() - 1000)),
        await s.terminal('POST', '/v1/merchants', { name: 'x' }),
        await s.raw('POST', '/v1/payments', { body: '{"a":', headers: { authorization: `Bearer ${s.demo.terminalToken}`, 'content-type': 'application/json' } }),
        await s.terminal('POST', '/v1/payments', { amount: '1' }),
        await s.terminal('GET', '/v1/payments/pay_nope'),
        await s.terminal('GET', '/v1/nowhere'),
        await login(s.demo.operator.id, ''),
      ];
      for (const r of responses) expectError(r, r.status, r.body?.error?.code);
      const codes = new Set(responses.map((r) => r.body.error.code));
      for (const c of ['unauthenticated', 'bad_signature', 'stale_timestamp', 'forbidden', 'invalid_json', 'invalid_request', 'not_found']) assert.ok(codes.has(c), c);
    });
  });
});
