import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, detectWallet } from '../../src/core/paycode.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { paymentCode } from '../helpers/flows.ts';

/** What a terminal learns about its counter: who may log in, which wallets, how codes are told apart. */
describe(`GET /v1/terminal (${process.env.SAOMA_TEST_STORE ?? 'sqlite'})`, () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  test('the wallets offered here and the server\'s own payment-code rules', async () => {
    const r = await s.terminal('GET', '/v1/terminal');
    assert.equal(r.status, 200);
    assert.equal(r.body.channels[0], 'sandbox', 'the sandbox first while it is on');
    assert.equal(r.body.sandbox, true);
    const rules = compileRules(r.body.paycodeRules);
    // The POS classifies with these exactly as the server will: a sandbox code is the sandbox's.
    const d = detectWallet(paymentCode('00'), rules);
    assert.ok(d.ok && d.wallet === 'sandbox', JSON.stringify(d));
    const wx = detectWallet('134567890123456789', rules);
    assert.ok(wx.ok && wx.wallet === 'wechat', JSON.stringify(wx));
  });
});
