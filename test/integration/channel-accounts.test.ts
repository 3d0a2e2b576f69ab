import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freePort, type TestServer } from '../helpers/server.ts';
import { paymentCode, tradeNo } from '../helpers/flows.ts';
import { startSandboxWalletServer } from '../../src/channels/sandbox/emulator.ts';

describe('channel accounts: credentials sealed, base URL, limits, what a store offers', () => {
  let s: TestServer;
  let mid: string;
  const pay = (amount: number, channel = 'sandbox', extra: Record<string, unknown> = {}) => s.terminal('POST', '/v1/payments', channel === 'cash'
    ? { outTradeNo: tradeNo('CA'), amount, currency: 'CNY', method: 'cash', channel: 'cash', ...extra }
    : { outTradeNo: tradeNo('CA'), amount, currency: 'CNY', method: 'payment_code', channel, authCode: paymentCode('00'), ...extra });
  const count = async () => Number((await s.rt.store.db.selectFrom('payments').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    s = await startServer();
    mid = s.demo.merchantId;
  });
  after(async () => { await s.close(); });

  test('credentials are sealed at rest and never shown back', async () => {
    const r = await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { credentials: { key: s.rt.config.sandboxKey, mchId: mid, note: 'top-secret-value' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.credentialFields, ['key', 'mchId', 'note']);
    assert.doesNotMatch(JSON.stringify(r.body), /top-secret-value/);
    const list = await s.signed('GET', `/v1/merchants/${mid}/channels`);
    assert.doesNotMatch(JSON.stringify(list.body), /top-secret-value/);
    const row = await s.rt.store.db.selectFrom('channel_accounts').selectAll().where('merchant_id', '=', mid).executeTakeFirstOrThrow();
    assert.doesNotMatch(row.credentials_enc, /top-secret-value/);
    assert.match(row.credentials_enc, /^v1\./);
    assert.equal((await pay(100)).body.state, 'succeeded');
  });

  test('a per-payment limit is enforced before the wallet is called, and writes nothing', async () => {
    await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { limitPerTransaction: 5000 });
    const before = await count();
    const r = await pay(5001);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'channel_limit_exceeded');
    assert.equal(r.body.error.details.limit, 5000);
    assert.equal(await count(), before);
    assert.equal((await pay(5000)).body.state, 'succeeded');
    await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { limitPerTransaction: null });
  });

  test('a daily limit counts today\'s live payments, not failed ones', async () => {
    const used = Number((await s.rt.store.db.selectFrom('payments').select((eb) => eb.fn.sum<number>('amount').as('t'))
      .where('channel', '=', 'sandbox').where('state', 'not in', ['failed', 'closed', 'reversed']).executeTakeFirst())?.t ?? 0);
    await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { limitPerDay: used + 3000 });
    assert.equal((await pay(2000)).body.state, 'succeeded');
    const declined = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('CA'), amount: 900, currency: 'CNY', method: 'payment_code', channel: 'sandbox', authCode: paymentCode('01') });
    assert.equal(declined.body.state, 'failed');
    const over = await pay(1001);
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'channel_limit_exceeded');
    assert.equal(over.body.error.details.used, used + 2000);
    assert.equal((await pay(1000)).body.state, 'succeeded');
    await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { limitPerDay: null });
  });

  test('a store offers only the wallets it is set up for; a switched-off account offers nothing', async () => {
    const set = await s.signed('PUT', `/v1/merchants/${mid}/stores/${s.demo.storeId}/channels`, { channels: ['cash'] });
    assert.deepEqual(set.body.channels, ['cash']);
    const refused = await pay(100);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'channel_not_offered');
    assert.equal((await pay(100, 'cash')).body.state, 'succeeded');
    await s.signed('PUT', `/v1/merchants/${mid}/stores/${s.demo.storeId}/channels`, { channels: [] });
    assert.equal((await pay(100)).body.state, 'succeeded');
    await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { enabled: false });
    const off = await pay(100);
    assert.equal(off.body.error.code, 'channel_not_offered');
    await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { enabled: true });
  });

  test('the base URL and credentials decide which wallet server is spoken to', async () => {
    const port = await freePort();
    const other = await startSandboxWalletServer({ port, dbPath: `${s.db.dataDir}/other-wallet.db`, key: 'another-key' });
    try {
      await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { baseUrl: `${other.url}/sandbox/wallet`, credentials: { key: 'another-key', mchId: 'M-OTHER' } });
      const r = await pay(4321);
      assert.equal(r.body.state, 'succeeded');
      const there = other.wallet.chargeSummary().filter((c) => c.mch_id === 'M-OTHER');
      assert.equal(there.length, 1);
      assert.equal(there[0]!.charged, 4321);
      assert.equal(s.rt.sandboxWallet!.chargeSummary().some((c) => c.out_trade_no === r.body.outTradeNo), false);
      // A wrong key: the other wallet refuses our signature, so nothing is charged and nothing is booked as paid.
      await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { credentials: { key: 'wrong-key', mchId: 'M-OTHER' } });
      const bad = await pay(1234);
      assert.notEqual(bad.body.state, 'succeeded');
      assert.equal(other.wallet.chargeSummary().some((c) => c.out_trade_no === bad.body.outTradeNo), false);
    } finally {
      await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { baseUrl: null, credentials: {} });
      await other.app.close();
      other.wallet.close();
    }
  });

  test('bad input: unknown channel, bad limits, a cashier may not change accounts', async () => {
    const unknown = await s.signed('PUT', `/v1/merchants/${mid}/channels/bitcoin`, { enabled: true });
    assert.equal(unknown.status, 400);
    const neg = await s.signed('PUT', `/v1/merchants/${mid}/channels/sandbox`, { limitPerDay: -5 });
    assert.equal(neg.status, 400);
    assert.equal(neg.body.error.code, 'invalid_amount');
    const storeBad = await s.signed('PUT', `/v1/merchants/${mid}/stores/${s.demo.storeId}/channels`, { channels: ['paypal'] });
    assert.equal(storeBad.status, 400);
    const cashier = await s.terminal('PUT', `/v1/merchants/${mid}/channels/sandbox`, { enabled: false });
    assert.equal(cashier.status, 403);
  });
});
