import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxWallets } from '../../src/channels/sandbox-wallets.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tradeNo, waitFinal, waitState } from '../helpers/flows.ts';

/**
 * `saoma serve` in sandbox mode: the four real wallets' emulators mounted in the gateway, the demo
 * merchant's accounts on them, and the real adapters taking payments end to end on one process.
 */
describe('the real wallets\' emulators mounted in sandbox mode', () => {
  let s: TestServer;

  before(async () => {
    s = await startServer({ walletEmulators: true });
    assert.ok(s.rt.walletEmulators, 'mounted');
    await s.rt.walletEmulators.enroll(s.rt.channelAccounts, s.demo.merchantId);
  });
  after(async () => s.close());

  test('the demo merchant has an account on each wallet, pointing under /sandbox/<wallet>', async () => {
    const r = await s.signed('GET', `/v1/merchants/${s.demo.merchantId}/channels`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const byChannel = new Map((r.body.data as Array<{ channel: string; baseUrl: string }>).map((a) => [a.channel, a.baseUrl]));
    for (const wallet of ['alipay', 'wechat', 'unionpay', 'qq']) assert.match(byChannel.get(wallet) ?? '', new RegExp(`/sandbox/${wallet}`), wallet);
  });

  // A code per wallet that pays at once (last two digits 00), routed by its digits alone.
  const codes: Record<string, string> = {
    alipay: '2512345678901234500', wechat: '134567890123456700', unionpay: '6212345678901234500', qq: '911234567890123400',
  };
  for (const [wallet, code] of Object.entries(codes)) {
    test(`a ${wallet} payment code is charged through the real adapter and its mounted emulator`, async () => {
      const r = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('SW'), amount: 1250, currency: 'CNY', method: 'payment_code', authCode: code });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.channel, wallet);
      const done = await waitFinal(s, r.body.id);
      assert.equal(done.state, 'succeeded');
    });
  }

  test('an Alipay dynamic QR is the mounted cashier page; paying there settles the payment by notification', async () => {
    const r = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('SQ'), amount: 880, currency: 'CNY', method: 'dynamic_qr', channel: 'alipay' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const qr = new URL(r.body.qrCode);
    assert.equal(qr.pathname.startsWith('/sandbox/alipay/cashier/'), true, r.body.qrCode);
    const page = await fetch(`${s.url}${qr.pathname}`, { headers: { 'accept-language': 'en' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /8\.80/);
    const paid = await fetch(`${s.url}${qr.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=pay&lang=en' });
    assert.equal(paid.status, 200);
    assert.equal((await waitState(s, r.body.id, 'succeeded')).state, 'succeeded');
  });

  test('the emulators\' keys are made once and kept: a restart rebuilds the same accounts', () => {
    const file = join(s.rt.config.dataDir, 'sandbox-wallet-keys.json');
    const before = readFileSync(file, 'utf8');
    const again = new SandboxWallets({ dataDir: s.rt.config.dataDir, publicUrl: s.rt.config.publicUrl });
    try {
      assert.equal(readFileSync(file, 'utf8'), before);
      assert.deepEqual(again.accounts(), s.rt.walletEmulators!.accounts());
    } finally {
      again.close();
    }
  });
});
