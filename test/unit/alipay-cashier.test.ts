import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { AlipayChannel, alipayTimestamp } from '../../src/channels/alipay/adapter.ts';
import { AlipayEmulator } from '../../src/channels/alipay/emulator.ts';
import { money } from '../../src/core/money.ts';
import { freePort } from '../helpers/server.ts';
import { CREATED_AT, tradeRef } from './helpers.ts';

/**
 * The emulator mounted inside another server under a prefix (as `saoma serve` will mount it): precreate
 * hands out `${publicUrl}/cashier/<token>`, the page speaks the customer's language and pays or declines
 * like the Alipay app, and the one-code stand's in-app payment is a redirect to that same URL.
 */
describe('Alipay cashier page and in-app payment (emulator mounted under a prefix)', () => {
  let app: FastifyInstance;
  let emulator: AlipayEmulator;
  let ch: AlipayChannel;
  let dir: string;
  let publicUrl: string;
  const no = (p: string) => `${p}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const order = (amount: number) => ({ outTradeNo: no('C'), createdAt: CREATED_AT, amount: money(amount, 'CNY'), subject: '牛肉面 beef noodles', expiresAt: new Date(Date.now() + 60_000), notifyUrl: '' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'saoma-alipay-cashier-'));
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/wallets/alipay`;
    emulator = new AlipayEmulator({ dbPath: join(dir, 'alipay.db'), publicUrl, merchantName: '小李面馆' });
    app = Fastify();
    await app.register(async (scope) => emulator.routes(scope), { prefix: '/wallets/alipay' });
    await app.listen({ port, host: '127.0.0.1' });
    const k = emulator.keys;
    ch = new AlipayChannel({ baseUrl: `${publicUrl}/gateway.do`, appId: k.appId, privateKey: k.appPrivateKey, alipayPublicKey: k.alipayPublicKey, timeoutMs: 3000 });
  });
  after(async () => {
    await app.close();
    emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('precreate hands out the cashier URL; the page is trilingual with Pay and Decline', async () => {
    const qr = await ch.createDynamicQr(order(1234));
    assert.equal(qr.status, 'waiting_customer');
    const url = qr.status === 'waiting_customer' ? qr.qrCode : '';
    assert.match(url, new RegExp(`^${publicUrl}/cashier/[0-9a-f]{24}$`));
    const en = await (await fetch(url, { headers: { 'accept-language': 'en-US,en;q=0.9' } })).text();
    assert.match(en, /<html lang="en">/);
    assert.match(en, /Pay ¥12\.34 to 小李面馆/);
    assert.match(en, /data-testid="pay"/);
    assert.match(en, /data-testid="decline"/);
    assert.match(await (await fetch(url, { headers: { 'accept-language': 'zh-CN' } })).text(), /向 小李面馆 付款 ¥12\.34[\s\S]*确认付款/);
    assert.match(await (await fetch(`${url}?lang=zh-Hant`)).text(), /<html lang="zh-Hant">[\s\S]*確認付款/);
    // Opening the page is the scan: the trade now exists at Alipay, waiting for the customer.
    assert.equal((await ch.query(tradeRef(emulator.db.prepare('SELECT out_trade_no FROM trades WHERE qr_code = ?').pluck().get(url) as string))).status, 'waiting_customer');
  });

  test('Decline leaves it unpaid; Pay pays it; paying again is refused', async () => {
    const req = order(500);
    const qr = await ch.createDynamicQr(req);
    const url = qr.status === 'waiting_customer' ? qr.qrCode : '';
    const post = (action: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=${action}&lang=en` }).then((r) => r.text());
    assert.match(await post('decline'), /data-testid="outcome" data-outcome="declined"/);
    assert.equal((await ch.query(tradeRef(req.outTradeNo))).status, 'waiting_customer');
    assert.match(await post('pay'), /data-testid="outcome" data-outcome="paid">Payment successful · ¥5\.00/);
    const q = await ch.query(tradeRef(req.outTradeNo));
    assert.deepEqual(q.status === 'succeeded' && q.amount, 500);
    assert.match(await post('pay'), /data-outcome="not_payable"/);
    assert.equal(emulator.chargeSummary().find((c) => c.out_trade_no === req.outTradeNo)?.times_charged, 1);
    assert.equal((await fetch(`${publicUrl}/cashier/ffffffffffffffffffffffff`)).status, 404);
  });

  test('createInAppPayment: one call for the stand, a redirect to the precreate qr_code', async () => {
    const req = { ...order(880), payerId: 'ignored-for-alipay' };
    const r = await ch.createInAppPayment(req);
    assert.equal(r.status, 'waiting_customer');
    const url = r.status === 'waiting_customer' && r.pay.kind === 'redirect' ? r.pay.url : '';
    assert.match(url, new RegExp(`^${publicUrl}/cashier/`));
    const scanned = await fetch(`${publicUrl}/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: url }) });
    assert.equal((await scanned.json() as { code: string }).code, '10000', 'the same code a scan would pay');
  });

  test('routes sit under the mount prefix: the bill link points back into it', async () => {
    const lines = await ch.statement({ date: alipayTimestamp().slice(0, 10) });
    assert.ok(lines.some((l) => l.kind === 'payment' && l.amount === 500));
    const faults = await fetch(`${publicUrl}/emulator/faults`);
    assert.equal(faults.status, 200);
  });
});
