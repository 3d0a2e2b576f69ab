import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipayChannel, alipayTimestamp, fen, mapQuery } from '../../src/channels/alipay/adapter.ts';
import { startAlipayEmulator } from '../../src/channels/alipay/emulator.ts';
import { money } from '../../src/core/money.ts';
import { CREATED_AT, tradeRef, refundRef } from './helpers.ts';

/** The adapter against the emulator, and its mapping of Alipay answers: anything unrecognised is `unknown`. */
describe('AlipayChannel', () => {
  let emu: Awaited<ReturnType<typeof startAlipayEmulator>>;
  let ch: AlipayChannel;
  let dir: string;
  const cny = (m: number) => money(m, 'CNY');
  const no = (p: string) => `${p}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const code = (b: string) => `28${String(Date.now()).slice(-8)}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}${b}`;
  const pay = (outTradeNo: string, b: string, minor = 8888) => ch.payWithCode({ outTradeNo, createdAt: CREATED_AT, amount: cny(minor), subject: 'test', authCode: code(b), notifyUrl: '' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'saoma-alipay-adapter-'));
    emu = await startAlipayEmulator({ port: 0, dbPath: join(dir, 'alipay.db') });
    ch = new AlipayChannel({ baseUrl: `${emu.url}/gateway.do`, appId: emu.keys.appId, privateKey: emu.keys.appPrivateKey, alipayPublicKey: emu.keys.alipayPublicKey, timeoutMs: 2000 });
  });
  after(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('timing follows the research: query every 3 s, give up after 60 s, no minimum reverse delay', () => {
    assert.deepEqual(ch.timing, { queryIntervalMs: 3000, payCodeGiveUpMs: 60_000, minReverseDelayMs: 0 });
  });

  test('pay, query, refund, refund query, cancel (action=refund): amounts exact, states mapped', async () => {
    const t = no('U');
    const paid = await pay(t, '00');
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.status === 'succeeded' && paid.amount, 8888);
    assert.equal((await ch.query(tradeRef(t))).status, 'succeeded');
    const r = await ch.refund({ ...refundRef(t, `${t}R1`), amount: cny(1), total: cny(8888), reason: null });
    assert.equal(r.status, 'succeeded');
    // The same out_request_no again: fund_change=N, settled through the refund query, not refunded twice.
    assert.equal((await ch.refund({ ...refundRef(t, `${t}R1`), amount: cny(1), total: cny(8888), reason: null })).status, 'succeeded');
    assert.equal((await ch.queryRefund(refundRef(t, `${t}R1`))).status, 'succeeded');
    assert.equal((await ch.queryRefund(refundRef(t, `${t}R9`))).status, 'not_found', 'never received: may be sent again under the same out_request_no');
    assert.equal((await ch.reverse(tradeRef(t))).status, 'reversed');
    const c = emu.emulator.chargeSummary().find((x) => x.out_trade_no === t)!;
    assert.deepEqual([c.charged, c.times_charged, c.returned], [8888, 1, 8888]);
  });

  test('definite failures fail; system errors, unreadable and unsigned answers are unknown, never success', async () => {
    assert.equal((await pay(no('F'), '01')).status, 'failed');
    assert.equal((await pay(no('F'), '06')).status, 'failed');
    const sys = await pay(no('S'), '05');
    assert.deepEqual([sys.status, sys.status === 'unknown' && sys.code], ['unknown', 'ACQ.SYSTEM_ERROR']);
    const lost = await pay(no('S'), '04');
    assert.equal(lost.status, 'unknown', 'charged but answered ACQ.SYSTEM_ERROR');

    emu.emulator.faults.set({ badSignature: true });
    try {
      const t = no('B');
      const r = await pay(t, '00');
      assert.equal(r.status, 'unknown', 'a paid answer we cannot verify is not success');
      emu.emulator.faults.set({ badSignature: false });
      assert.equal((await ch.query(tradeRef(t))).status, 'succeeded', 'the query finds out');
    } finally {
      emu.emulator.faults.set({ badSignature: false });
    }
    emu.emulator.faults.set({ lostReplyNext: 2 });
    try {
      assert.equal((await pay(no('L'), '00')).status, 'unknown');
      assert.equal((await ch.reverse(tradeRef(no('L')))).status, 'retry');
    } finally {
      emu.emulator.faults.set({ lostReplyNext: 0 });
    }
    emu.emulator.faults.set({ systemErrorNext: 1 });
    try {
      const r = await ch.query(tradeRef(no('E')));
      assert.deepEqual([r.status, r.status === 'unknown' && r.code], ['unknown', 'isp.unknow-error']);
    } finally {
      emu.emulator.faults.set({ systemErrorNext: 0 });
    }
    const wrongKey = new AlipayChannel({ baseUrl: `${emu.url}/gateway.do`, appId: emu.keys.appId, privateKey: emu.keys.alipayPrivateKey, alipayPublicKey: emu.keys.alipayPublicKey });
    const refused = await wrongKey.query(tradeRef(no('K')));
    assert.deepEqual([refused.status, refused.status === 'failed' || refused.status === 'unknown' ? refused.code : ''], ['unknown', 'isv.invalid-signature']);
  });

  test('precreate before a scan: query and close say not found; cancel of an unknown trade blocks a late pay', async () => {
    const t = no('Q');
    const qr = await ch.createDynamicQr({ outTradeNo: t, createdAt: CREATED_AT, amount: cny(100), subject: 'qr', expiresAt: new Date(Date.now() + 60_000), notifyUrl: '' });
    assert.equal(qr.status, 'waiting_customer');
    assert.equal((await ch.query(tradeRef(t))).status, 'not_found');
    assert.equal((await ch.close(tradeRef(t))).status, 'not_found');
    assert.equal(emu.emulator.scan(qr.status === 'waiting_customer' ? qr.qrCode : '').code, 'TRADE_NOT_PAYABLE');
    const u = no('C');
    assert.equal((await ch.reverse(tradeRef(u))).status, 'reversed');
    assert.equal((await pay(u, '00')).status, 'failed', 'ACQ.TRADE_HAS_CLOSE after the cancel');
  });

  test('an undocumented answer to a cancel asks again (cancel is idempotent); a hung call is unknown at the deadline', async () => {
    const t = no('X');
    await pay(t, '03');
    emu.emulator.faults.set({ unknownResultNext: 1 });
    assert.equal((await ch.reverse(tradeRef(t))).status, 'retry');
    assert.equal((await ch.reverse(tradeRef(t))).status, 'reversed');
    emu.emulator.faults.set({ hangNext: 1 });
    const hung = await ch.query(tradeRef(t));
    assert.deepEqual([hung.status, hung.status === 'unknown' && hung.code], ['unknown', 'UNREACHABLE']);
    assert.equal((await ch.query(tradeRef(t))).status, 'closed');
  });

  test('close of a paid trade reports it paid', async () => {
    const t = no('P');
    await pay(t, '00');
    assert.equal((await ch.close(tradeRef(t))).status, 'succeeded');
  });

  test('mapping: unknown codes and trade statuses are unknown; amounts are exact', () => {
    assert.equal(mapQuery({ code: '10000', trade_status: 'SOMETHING_NEW', trade_no: '1', total_amount: '1.00' }).status, 'unknown');
    assert.equal(mapQuery({ code: '10000', trade_status: 'TRADE_SUCCESS', total_amount: '1.00' }).status, 'unknown', 'no trade_no');
    assert.equal(mapQuery({ code: '10000', trade_status: 'TRADE_SUCCESS', trade_no: '1', total_amount: '1.5' }).status, 'unknown', 'not a two-place amount');
    assert.equal(mapQuery({ code: '99999' }).status, 'unknown');
    assert.equal(mapQuery({ code: '40004', sub_code: 'ACQ.SYSTEM_ERROR' }).status, 'unknown');
    assert.equal(mapQuery({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' }).status, 'not_found');
    assert.equal(mapQuery({ code: '10000', trade_status: 'WAIT_BUYER_PAY', trade_no: '1' }).status, 'waiting_customer');
    assert.equal(mapQuery({ code: '10000', trade_status: 'TRADE_CLOSED', trade_no: '1', total_amount: '1.00' }).status, 'closed');
    assert.deepEqual(mapQuery({ code: '10000', trade_status: 'TRADE_FINISHED', trade_no: '7', total_amount: '88.88' }), { status: 'succeeded', channelTradeNo: '7', amount: 8888 });
    assert.equal(fen('0.10'), 10);
    assert.equal(fen('100000000.00'), 10_000_000_000);
    assert.equal(fen('1'), null);
    assert.equal(alipayTimestamp(new Date('2024-01-01T04:00:00Z')), '2024-01-01 12:00:00');
  });
});
