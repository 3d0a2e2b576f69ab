import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { UnionpayChannel, type UnionpayAccount } from '../../src/channels/unionpay/adapter.ts';
import { startUnionpayEmulator, type UnionpayEmulator } from '../../src/channels/unionpay/emulator.ts';
import { emulatorPki, testMerchantCredentials } from '../../src/channels/unionpay/fixtures.ts';
import { beijingTime, cancelOrderIdFor, cancelTxnTime, orderIdFor, refundOrderIdFor } from '../../src/channels/unionpay/orders.ts';
import { billText, packBill, readBill } from '../../src/channels/unionpay/bill.ts';
import { certIdOf, certOwner, formEncode, sign } from '../../src/channels/unionpay/sign.ts';
import { ChannelNotificationError } from '../../src/channels/channel.ts';
import { CREATED_AT, tradeRef, refundRef } from './helpers.ts';

/** The adapter against the emulator directly (no gateway): code mapping, orderId + txnTime from the row, notifications, bill. */
const creds = testMerchantCredentials();
const dir = mkdtempSync(join(tmpdir(), 'unionpay-unit-'));
let up: { url: string; emulator: UnionpayEmulator; app: { close(): Promise<unknown> } };
let n = 0;
const no = () => `UT${Date.now()}${(n += 1)}`;
const code = (b: string) => `62${String(Date.now()).padStart(15, '0').slice(-15)}${b}`;
const cny = (minor: number) => ({ minor, currency: 'CNY' as const });

function account(over: Partial<UnionpayAccount> = {}): UnionpayAccount {
  return { baseUrl: up.url, ...creds, backUrl: 'http://127.0.0.1:9/notify', qrCloseGraceMs: 0, timeoutMs: 2000, ...over };
}
const faults = (f: Record<string, unknown>) => fetch(`${up.url}/emulator/faults?account=${creds.merId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });

before(async () => {
  up = await startUnionpayEmulator({ port: 0, dbPath: join(dir, 'emulator.db'), faults: { userPayingMs: 200 } });
});
after(async () => {
  await up.app.close();
});

test('orderId: valid trade numbers pass through, others are hashed to 40 characters; refunds and cancels never collide', () => {
  assert.equal(orderIdFor('20240101120000001'), '20240101120000001');
  assert.match(orderIdFor('UP-1'), /^H[0-9a-f]{39}$/);
  assert.match(orderIdFor('short'), /^H[0-9a-f]{39}$/, 'fewer than 8 characters');
  assert.notEqual(orderIdFor('A-B'), orderIdFor('A_B'));
  assert.match(refundOrderIdFor('20240101120000001'), /^R[0-9a-f]{39}$/);
  assert.match(cancelOrderIdFor('20240101120000001'), /^C[0-9a-f]{39}$/);
});

test('txnTime: Beijing time to the second; the cancel\'s is the trade\'s plus one second, never on the next day', () => {
  assert.equal(beijingTime(new Date('2026-01-01T04:05:06.999Z')), '20260101120506');
  assert.equal(cancelTxnTime(new Date('2026-01-01T04:05:06.999Z')), '20260101120507');
  assert.equal(cancelTxnTime(new Date('2026-01-01T15:59:59.500Z')), '20260101235959', 'a cancel stays on its trade\'s Beijing day');
  assert.equal(cancelTxnTime(new Date('2026-01-01T15:59:58.000Z')), '20260101235959');
});

test('UnionPay\'s real (2020 test) signing certificate names 中国银联股份有限公司 in its CN, as the chain check expects', () => {
  const real = new X509Certificate(readFileSync(new URL('../../src/channels/unionpay/fixtures/unionpay-test-sign-2020.pem', import.meta.url)));
  assert.equal(certOwner(real), '中国银联股份有限公司');
  assert.equal(certIdOf(real.toString()), '69678957876');
});

test('consume: paid, declined, in doubt, unknown code; query and reverse follow', async () => {
  const ch = new UnionpayChannel(account());
  const paid = await ch.payWithCode({ outTradeNo: no(), createdAt: CREATED_AT, amount: cny(100), subject: 's', authCode: code('00'), notifyUrl: 'http://127.0.0.1:9/n' });
  assert.equal(paid.status, 'succeeded');
  const declined = await ch.payWithCode({ outTradeNo: no(), createdAt: CREATED_AT, amount: cny(100), subject: 's', authCode: code('01'), notifyUrl: 'http://127.0.0.1:9/n' });
  assert.deepEqual({ s: declined.status, c: (declined as { code: string }).code }, { s: 'failed', c: '60' });
  const doubtNo = no();
  const doubt = await ch.payWithCode({ outTradeNo: doubtNo, createdAt: CREATED_AT, amount: cny(100), subject: 's', authCode: code('03'), notifyUrl: 'http://127.0.0.1:9/n' });
  assert.deepEqual(doubt, { status: 'unknown', code: '03', message: '交易通讯超时，请发起查询交易' });
  assert.equal((await ch.query(tradeRef(doubtNo))).status, 'waiting_customer');
  assert.deepEqual(await ch.reverse(tradeRef(doubtNo)), { status: 'reversed' });
  assert.deepEqual(await ch.reverse(tradeRef(doubtNo)), { status: 'reversed' }, 'reversing again asks about the earlier cancel first');
  assert.equal(up.emulator.calls.filter((c) => c.txnType === '31' && c.orderId === cancelOrderIdFor(doubtNo)).length, 1, 'one cancel only');
  // Every call about the trade named it by the same orderId + txnTime, all derived from the row's createdAt.
  const about = up.emulator.calls.filter((c) => c.orderId === orderIdFor(doubtNo));
  assert.ok(about.length >= 3);
  assert.deepEqual([...new Set(about.map((c) => c.txnTime))], [beijingTime(CREATED_AT)]);
  assert.deepEqual([...new Set(up.emulator.calls.filter((c) => c.orderId === cancelOrderIdFor(doubtNo)).map((c) => c.txnTime))], [cancelTxnTime(CREATED_AT)]);

  await faults({ unknownResultNext: 1 });
  const odd = await ch.payWithCode({ outTradeNo: no(), createdAt: CREATED_AT, amount: cny(100), subject: 's', authCode: code('00'), notifyUrl: 'http://127.0.0.1:9/n' });
  assert.deepEqual({ s: odd.status, c: (odd as { code: string }).code }, { s: 'unknown', c: 'ZZ' });
  assert.deepEqual(await ch.query(tradeRef('never-sent-1')), { status: 'not_found' });
  assert.deepEqual(await ch.reverse(tradeRef('never-sent-1')), { status: 'reversed' });
});

test('a paid trade is cancelled with its full amount; another instance finds it from the row alone', async () => {
  const outTradeNo = no();
  const a = new UnionpayChannel(account());
  assert.equal((await a.payWithCode({ outTradeNo, createdAt: CREATED_AT, amount: cny(555), subject: 's', authCode: code('00'), notifyUrl: 'http://127.0.0.1:9/n' })).status, 'succeeded');
  // Another instance (another host, after a restart): nothing but what the payment row holds.
  const b = new UnionpayChannel(account());
  const q = await b.query(tradeRef(outTradeNo));
  assert.equal(q.status, 'succeeded');
  const queryId = (q as { channelTradeNo: string }).channelTradeNo;
  assert.deepEqual(await b.reverse(tradeRef(outTradeNo, { channelTradeNo: queryId })), { status: 'reversed' });
  const c = up.emulator.chargeSummary().find((x) => x.out_trade_no === outTradeNo)!;
  assert.deepEqual({ charged: c.charged, returned: c.returned }, { charged: 555, returned: 555 });
  // A third instance reversing again (a lost reply, a crash) finds the same cancel and sends none.
  assert.deepEqual(await new UnionpayChannel(account()).reverse(tradeRef(outTradeNo)), { status: 'reversed' });
  assert.equal(up.emulator.calls.filter((x) => x.txnType === '31' && x.orderId === cancelOrderIdFor(outTradeNo)).length, 1, 'one cancel only');
  // txnTime is part of the name: another second is another transaction.
  assert.deepEqual(await b.query(tradeRef(outTradeNo, { createdAt: new Date(CREATED_AT.getTime() + 1000) })), { status: 'not_found' });
});

test('refund: partial, over-refund refused, refund query by its own orderId', async () => {
  const ch = new UnionpayChannel(account());
  const outTradeNo = no();
  await ch.payWithCode({ outTradeNo, createdAt: CREATED_AT, amount: cny(1000), subject: 's', authCode: code('00'), notifyUrl: 'http://127.0.0.1:9/n' });
  const r1 = await ch.refund({ ...refundRef(outTradeNo, 'rfd_1'), amount: cny(400), total: cny(1000), reason: null });
  assert.equal(r1.status, 'succeeded');
  const over = await ch.refund({ ...refundRef(outTradeNo, 'rfd_2'), amount: cny(601), total: cny(1000), reason: null });
  assert.deepEqual({ s: over.status, c: (over as { code: string }).code }, { s: 'failed', c: '35' });
  assert.equal((await ch.queryRefund(refundRef(outTradeNo, 'rfd_1'))).status, 'succeeded');
  assert.deepEqual(await ch.queryRefund(refundRef(outTradeNo, 'rfd_never')), { status: 'not_found' });
});

test('refund: the trade\'s queryId from the row is its origQryId; a resend after not_found uses the same orderId + txnTime', async () => {
  const ch = new UnionpayChannel(account());
  const outTradeNo = no();
  const paid = await ch.payWithCode({ outTradeNo, createdAt: CREATED_AT, amount: cny(800), subject: 's', authCode: code('00'), notifyUrl: 'http://127.0.0.1:9/n' });
  assert.equal(paid.status, 'succeeded');
  const channelTradeNo = (paid as { channelTradeNo: string }).channelTradeNo;
  const requestedAt = new Date(CREATED_AT.getTime() + 5 * 60_000);
  const ref = refundRef(outTradeNo, `${outTradeNo}-r1`, { channelTradeNo, requestedAt });
  const rid = refundOrderIdFor(ref.outRefundNo);
  const queriesBefore = up.emulator.calls.filter((c) => c.txnType === '00' && c.orderId === orderIdFor(outTradeNo)).length;
  // The refund request never arrives: nothing is recorded, the gateway queries (not_found) and sends it again.
  await faults({ hangNext: 1 });
  assert.equal((await new UnionpayChannel(account({ timeoutMs: 300 })).refund({ ...ref, amount: cny(300), total: cny(800), reason: null })).status, 'unknown');
  assert.deepEqual(await ch.queryRefund(ref), { status: 'not_found' });
  const again = await new UnionpayChannel(account()).refund({ ...ref, amount: cny(300), total: cny(800), reason: null });
  assert.equal(again.status, 'succeeded');
  assert.equal(up.emulator.calls.filter((c) => c.txnType === '00' && c.orderId === orderIdFor(outTradeNo)).length, queriesBefore, 'no query of the original: the row knew its queryId');
  const sends = up.emulator.calls.filter((c) => c.orderId === rid);
  assert.ok(sends.some((c) => c.txnType === '04'));
  assert.deepEqual([...new Set(sends.map((c) => c.txnTime))], [beijingTime(requestedAt)], 'the refund and its queries name one txnTime');
  assert.equal((await ch.queryRefund(ref)).status, 'succeeded');
  // The bill reads the refund back as ours (reqReserved), with no record on our side.
  const b = beijingTime(new Date());
  const lines = await ch.statement({ date: `${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6, 8)}` });
  const line = lines.find((l) => l.kind === 'refund' && l.outRefundNo === ref.outRefundNo);
  assert.ok(line, 'the refund is in the bill under its refund number');
  assert.deepEqual({ outTradeNo: line.outTradeNo, amount: line.amount, channelTradeNo: line.channelTradeNo }, { outTradeNo, amount: 300, channelTradeNo });
});

test('merchant QR: waiting until payTimeout, then closed; paid QR reads as paid', async () => {
  const ch = new UnionpayChannel(account());
  const a = no();
  const aExpires = new Date(Date.now() + 1500);
  const r = await ch.createDynamicQr({ outTradeNo: a, createdAt: CREATED_AT, amount: cny(300), subject: 's', expiresAt: aExpires, notifyUrl: 'http://127.0.0.1:9/n' });
  assert.equal(r.status, 'waiting_customer');
  const refA = tradeRef(a, { expiresAt: aExpires });
  assert.equal((await ch.close(refA)).status, 'waiting_customer', 'no close API: payable until payTimeout');
  assert.equal((await ch.query(refA)).status, 'waiting_customer', 'an unpaid QR (34) is waiting, not not_found');
  const inApp = await ch.createInAppPayment({ outTradeNo: no(), createdAt: CREATED_AT, amount: cny(1), subject: 's', expiresAt: new Date(Date.now() + 60_000), notifyUrl: 'http://127.0.0.1:9/n', payerId: '' });
  assert.equal(inApp.status === 'waiting_customer' && inApp.pay.kind, 'redirect');
  const b = no();
  const bExpires = new Date(Date.now() + 60_000);
  const rb = await ch.createDynamicQr({ outTradeNo: b, createdAt: CREATED_AT, amount: cny(301), subject: 's', expiresAt: bExpires, notifyUrl: 'http://127.0.0.1:9/n' });
  assert.ok(rb.status === 'waiting_customer' && up.emulator.scan(rb.qrCode).ok);
  assert.equal((await ch.close(tradeRef(b, { expiresAt: bExpires }))).status, 'succeeded', 'closing a paid QR says it was paid');
  // payTimeout has whole-second precision: wait until it has certainly passed.
  for (let i = 0; i < 60 && (await ch.close(refA)).status !== 'closed'; i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal((await ch.close(refA)).status, 'closed');
  const sent = up.emulator.calls.filter((c) => c.orderId === orderIdFor(a));
  assert.deepEqual([...new Set(sent.map((c) => c.txnTime))], [beijingTime(CREATED_AT)], 'the QR order and every query name the same txnTime');
  assert.equal(up.emulator.scan((r as { qrCode: string }).qrCode).ok, false);
});

test('notifications: payments parsed; refunds named by reqReserved; cancels and strangers\' refunds acknowledged without effect; forged ones refused', async () => {
  const ch = new UnionpayChannel(account());
  const fields = {
    version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: '01', txnSubType: '06', merId: creds.merId, orderId: 'ABCDEFGH12',
    txnTime: '20260101120000', txnAmt: '88', queryId: '123456789012345678901', respCode: '00', respMsg: 'ok', reqReserved: 'POS-1',
  };
  const parsed = ch.parseNotification({ headers: {}, body: up.emulator.notificationBody(fields, creds.merId) });
  assert.deepEqual(parsed, { notifyId: '123456789012345678901-00', outTradeNo: 'POS-1', result: { status: 'succeeded', channelTradeNo: '123456789012345678901', amount: 88 } });
  const failedOne = ch.parseNotification({ headers: {}, body: up.emulator.notificationBody({ ...fields, respCode: '60' }, creds.merId) });
  assert.ok(failedOne.kind !== 'refund', 'a payment notification');
  assert.equal(failedOne.result.status, 'unknown');
  // A refund (04): reqReserved `<trade no>/<refund no>` and the orderId that refund number gives → query that refund now.
  const refundFields = { ...fields, txnType: '04', txnSubType: '00', orderId: refundOrderIdFor('RF-1'), reqReserved: 'POS-1/RF-1', origQryId: '123456789012345678901', queryId: '223456789012345678901' };
  assert.deepEqual(ch.parseNotification({ headers: {}, body: up.emulator.notificationBody(refundFields, creds.merId) }),
    { kind: 'refund', notifyId: '223456789012345678901-00', outTradeNo: 'POS-1', outRefundNo: 'RF-1' });
  const refundFailed = ch.parseNotification({ headers: {}, body: up.emulator.notificationBody({ ...refundFields, respCode: '60' }, creds.merId) });
  assert.equal(refundFailed.kind, 'refund', 'any respCode is only a reason to query');
  const ackedNoEffect = (e: unknown) => e instanceof ChannelNotificationError && e.reply.status === 200 && e.reply.body === 'ok';
  // Genuine, but not a refund of ours (no refund number, or an orderId that is not the refund number's): acknowledged.
  assert.throws(() => ch.parseNotification({ headers: {}, body: up.emulator.notificationBody({ ...fields, txnType: '04' }, creds.merId) }), ackedNoEffect);
  assert.throws(() => ch.parseNotification({ headers: {}, body: up.emulator.notificationBody({ ...refundFields, orderId: refundOrderIdFor('RF-2') }, creds.merId) }), ackedNoEffect);
  // A cancel (31): acknowledged, learnt by query.
  assert.throws(() => ch.parseNotification({ headers: {}, body: up.emulator.notificationBody({ ...fields, txnType: '31', txnSubType: '00', orderId: cancelOrderIdFor('POS-1') }, creds.merId) }), ackedNoEffect);
  // A forged refund notification is refused, not acknowledged.
  const refundSelfSigned: Record<string, string> = { ...refundFields, signPubKeyCert: creds.signCert };
  refundSelfSigned.signature = sign(refundSelfSigned, creds.signKey);
  assert.throws(() => ch.parseNotification({ headers: {}, body: formEncode(refundSelfSigned) }), (e: unknown) => e instanceof ChannelNotificationError && e.reply.status === 400);
  // Signed by the merchant's own key with the merchant certificate attached: a valid chain, but not UnionPay's.
  const selfSigned: Record<string, string> = { ...fields, signPubKeyCert: creds.signCert };
  selfSigned.signature = sign(selfSigned, creds.signKey);
  assert.throws(() => ch.parseNotification({ headers: {}, body: formEncode(selfSigned) }), (e: unknown) => e instanceof ChannelNotificationError && e.reply.status !== 200);
  // UnionPay's key, but an account that trusts another root.
  const strict = new UnionpayChannel(account({ rootCert: emulatorPki().middleCert }));
  assert.throws(() => strict.parseNotification({ headers: {}, body: up.emulator.notificationBody(fields, creds.merId) }), ChannelNotificationError);
});

test('bill: packed as base64(deflate(zip)); read back; a file cut short is refused', () => {
  const text = billText('777290058110048', '0101', [
    { txnType: '01', orderId: 'A1234567', queryId: 'q1', origQryId: null, txnTime: '20260101120000', amount: 1000, fee: 4, currencyCode: '156', reqReserved: null },
    { txnType: '04', orderId: 'R1234567', queryId: 'q2', origQryId: 'q1', txnTime: '20260101130000', amount: 300, fee: -1, currencyCode: '156', reqReserved: 'POS-1' },
  ]);
  const bill = readBill(packBill('INN260101ZM_777290058110048', text));
  assert.equal(bill.lines.length, 2);
  assert.equal(bill.lines[1]!.reqReserved, 'POS-1');
  assert.throws(() => readBill(packBill('x', text.slice(0, text.length - 8))), /truncated/);
  assert.throws(() => readBill(packBill('x', text.replace('|1000|', '|1001|'))), /trailer/);
  assert.throws(() => readBill('not base64 zip'), /deflated zip/);
});

test('the emulator mounts under a prefix (as inside saoma serve): API, QR URLs and cashier page all relative to it', async () => {
  const { default: Fastify } = await import('fastify');
  const { UnionpayEmulator } = await import('../../src/channels/unionpay/emulator.ts');
  const app = Fastify();
  const emu = new UnionpayEmulator({ dbPath: join(dir, 'mounted.db') });
  await app.register(async (scope) => emu.routes(scope), { prefix: '/wallets/unionpay' });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  emu.publicUrl = `${url}/wallets/unionpay`;
  try {
    const ch = new UnionpayChannel(account({ baseUrl: `${url}/wallets/unionpay` }));
    const r = await ch.createDynamicQr({ outTradeNo: no(), createdAt: CREATED_AT, amount: cny(1234), subject: 's', expiresAt: new Date(Date.now() + 60_000), notifyUrl: 'http://127.0.0.1:9/n' });
    assert.equal(r.status, 'waiting_customer');
    const qrCode = (r as { qrCode: string }).qrCode;
    assert.ok(qrCode.startsWith(`${url}/wallets/unionpay/cashier/`), qrCode);
    const html = await (await fetch(qrCode)).text();
    assert.match(html, /<html lang="zh-Hans">/, 'Chinese (simplified) unless asked otherwise');
    assert.match(html, /付款 ¥12\.34/);
    const done = await (await fetch(qrCode, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=pay' })).text();
    assert.match(done, /data-outcome="paid"/);
    const faultsNow = await (await fetch(`${url}/wallets/unionpay/emulator/faults`)).json() as { billAnomaly: string };
    assert.equal(faultsNow.billAnomaly, 'none');
  } finally {
    await app.close();
    emu.close();
  }
});

test('an account whose key is not its certificate\'s is refused up front', () => {
  assert.throws(() => new UnionpayChannel(account({ signKey: emulatorPki().signKey })), /signKey is not the key of signCert/);
  assert.throws(() => new UnionpayChannel(account({ middleCert: 'nonsense' })), /cannot be read/);
  assert.throws(() => new UnionpayChannel(account({ merId: '' })), /lacks credentials/);
});
