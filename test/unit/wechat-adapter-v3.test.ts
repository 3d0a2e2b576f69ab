import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WechatChannel, wechatAccountFrom } from '../../src/channels/wechat/adapter.ts';
import { mapRefund, mapTransaction } from '../../src/channels/wechat/v3-client.ts';
import { aeadEncrypt, wechatpayHeaders } from '../../src/channels/wechat/v3.ts';
import { ChannelNotificationError } from '../../src/channels/channel.ts';
import { CREATED_AT, tradeRef, refundRef } from './helpers.ts';

const pem = (k: import('node:crypto').KeyObject, type: 'pkcs8' | 'spki') => k.export({ type, format: 'pem' }).toString();
const merchantKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUB_KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000000002';
const config = { queryIntervalMs: 1000, payCodeGiveUpMs: 30_000 };
const v3Creds = {
  appId: 'wxA', mchId: '100', apiKey: 'k'.repeat(32), apiV3Key: 'v'.repeat(32), certificateKey: pem(merchantKeys.privateKey, 'pkcs8'), certificate: 'CERT',
  merchantSerialNo: 'ABC', wechatpayPublicKey: pem(platform.publicKey, 'spki'), wechatpayPublicKeyId: PUB_KEY_ID,
};

describe('WeChat v3 mapping', () => {
  test('wechatAccountFrom: v3 only with all of its credentials; the merchant key defaults to certificateKey', () => {
    const a = wechatAccountFrom({ baseUrl: null, credentials: v3Creds }, config);
    assert.equal(a.v3?.privateKey, v3Creds.certificateKey);
    assert.deepEqual(Object.keys(a.v3!.platformKeys), [PUB_KEY_ID]);
    assert.equal(new WechatChannel(a).api, 'v3');
    const { apiV3Key: _k, ...noKey } = v3Creds;
    assert.equal(wechatAccountFrom({ baseUrl: null, credentials: noKey }, config).v3, undefined);
    assert.equal(new WechatChannel(wechatAccountFrom({ baseUrl: null, credentials: noKey }, config)).api, 'v2');
    assert.equal(wechatAccountFrom({ baseUrl: null, credentials: { ...v3Creds, timeoutMs: '2500' } }, config).timeoutMs, 2500);
  });

  test('every trade_state; unknown states and other merchants are unknown, never success', () => {
    const t = (trade_state: string, extra: Record<string, unknown> = {}) => mapTransaction({ mchid: '100', out_trade_no: 'O', trade_state, transaction_id: '42', amount: { total: 10 }, ...extra }, { mchId: '100', outTradeNo: 'O' });
    assert.deepEqual(t('SUCCESS'), { status: 'succeeded', channelTradeNo: '42', amount: 10 });
    assert.deepEqual(t('REFUND'), { status: 'succeeded', channelTradeNo: '42', amount: 10 });
    assert.equal(t('NOTPAY').status, 'waiting_customer');
    assert.equal(t('USERPAYING').status, 'waiting_customer');
    assert.deepEqual(t('CLOSED'), { status: 'closed' });
    assert.deepEqual(t('REVOKED'), { status: 'reversed' });
    assert.equal(t('PAYERROR').status, 'failed');
    assert.equal(t('ACCEPT').status, 'unknown');
    assert.equal(t('SUCCESS', { amount: { total: '10' } }).status, 'unknown');
    assert.equal(t('SUCCESS', { amount: { total: 10.5 } }).status, 'unknown');
    assert.equal(t('SUCCESS', { mchid: '999' }).status, 'unknown');
    assert.equal(t('SUCCESS', { out_trade_no: 'X' }).status, 'unknown');
  });

  test('every refund status', () => {
    const r = (status: string) => mapRefund({ out_refund_no: 'R', status, refund_id: 'RID' }, 'R');
    assert.deepEqual(r('SUCCESS'), { status: 'succeeded', channelRefundNo: 'RID' });
    assert.deepEqual(r('PROCESSING'), { status: 'pending' });
    assert.equal(r('CLOSED').status, 'failed');
    assert.equal(r('ABNORMAL').status, 'failed');
    assert.equal(r('WHATEVER').status, 'unknown');
    assert.equal(mapRefund({ out_refund_no: 'OTHER', status: 'SUCCESS' }, 'R').status, 'unknown');
  });
});

describe('WeChat v3 error bodies through the adapter (a stub signing like WeChat)', () => {
  let server: Server;
  let next: { status: number; body?: unknown; sign?: boolean } = { status: 200 };
  let lastRequest = '';
  let ch: WechatChannel;
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        lastRequest = Buffer.concat(chunks).toString('utf8');
        const body = next.body === undefined ? '' : JSON.stringify(next.body);
        const headers = next.sign === false ? {} : wechatpayHeaders(body, PUB_KEY_ID, platform.privateKey);
        res.writeHead(next.status, { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    ch = new WechatChannel(wechatAccountFrom({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: v3Creds }, config));
  });
  after(() => new Promise((r) => server.close(r)));

  const qr = () => ch.createDynamicQr({ outTradeNo: 'O123456', createdAt: CREATED_AT, amount: { minor: 1, currency: 'CNY' }, subject: 's', expiresAt: new Date(Date.now() + 60_000), notifyUrl: 'https://n' });
  const err = (status: number, code: string) => ({ status, body: { code, message: code.toLowerCase() } });

  test('create: definite errors fail, ORDER_CLOSED is closed, transient and undocumented ones are unknown', async () => {
    for (const [status, code, want] of [[400, 'PARAM_ERROR', 'failed'], [403, 'OUT_TRADE_NO_USED', 'failed'], [401, 'SIGN_ERROR', 'failed'], [500, 'SYSTEM_ERROR', 'unknown'],
      [429, 'FREQUENCY_LIMITED', 'unknown'], [400, 'SOMETHING_NEW', 'unknown'], [400, 'ORDER_CLOSED', 'closed']] as const) {
      next = err(status, code);
      assert.equal((await qr()).status, want, code);
    }
    next = { status: 200, body: { code_url: 'weixin://wxpay/bizpayurl?pr=x' }, sign: false };
    assert.equal((await qr()).status, 'unknown', 'an unsigned code_url is not believed');
    next = { status: 502, body: { code: 'X' }, sign: false };
    assert.equal((await qr()).status, 'unknown');
  });

  test('query: ORDER_NOT_EXIST is not_found; SYSTEM_ERROR unknown. close: 204 closed. refunds: statuses and errors', async () => {
    next = err(404, 'ORDER_NOT_EXIST');
    assert.deepEqual(await ch.query(tradeRef('O123456')), { status: 'not_found' });
    next = err(500, 'SYSTEM_ERROR');
    assert.equal((await ch.query(tradeRef('O123456'))).status, 'unknown');
    next = { status: 204 };
    assert.deepEqual(await ch.close(tradeRef('O123456')), { status: 'closed' });
    next = { status: 200 };
    assert.equal((await ch.close(tradeRef('O123456'))).status, 'unknown', 'close answers 204, anything else is not a close');
    const refund = () => ch.refund({ ...refundRef('O123456', 'R1'), amount: { minor: 1, currency: 'CNY' }, total: { minor: 1, currency: 'CNY' }, reason: null });
    next = { status: 200, body: { out_refund_no: 'R1', status: 'PROCESSING' } };
    assert.deepEqual(await refund(), { status: 'pending' });
    next = err(403, 'NOT_ENOUGH');
    assert.equal((await refund()).status, 'failed');
    next = err(500, 'SYSTEM_ERROR');
    assert.equal((await refund()).status, 'unknown');
    next = err(404, 'RESOURCE_NOT_EXISTS');
    assert.deepEqual(await ch.queryRefund(refundRef('O123456', 'R1')), { status: 'not_found' });
  });

  test('refunds name the notify URL of the gateway when the account knows it, and none otherwise', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const withUrl = new WechatChannel(wechatAccountFrom({ merchantId: 'mer_1', baseUrl: base, credentials: v3Creds }, { ...config, publicUrl: 'https://gw.example.com' }));
    next = { status: 200, body: { out_refund_no: 'R1', status: 'PROCESSING' } };
    const args = { ...refundRef('O123456', 'R1'), amount: { minor: 1, currency: 'CNY' as const }, total: { minor: 1, currency: 'CNY' as const }, reason: null };
    assert.deepEqual(await withUrl.refund(args), { status: 'pending' });
    assert.equal(JSON.parse(lastRequest).notify_url, 'https://gw.example.com/v1/channels/wechat/notify/mer_1');
    await ch.refund(args);
    assert.equal(JSON.parse(lastRequest).notify_url, undefined, 'no publicUrl/merchantId: no notify_url');
    const v2Only = { ...v3Creds, apiV3Key: '' };
    assert.equal(wechatAccountFrom({ merchantId: 'mer_1', baseUrl: null, credentials: v2Only }, { ...config, publicUrl: 'https://gw.example.com' }).notifyUrl, undefined, 'v2 refunds take no notify_url');
  });
});

describe('WeChat v3 notifications: transactions and refunds', () => {
  const ch = new WechatChannel(wechatAccountFrom({ baseUrl: null, credentials: v3Creds }, config));
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const note = (o: { eventType: string; originalType?: string; resource: Record<string, unknown>; id?: string; key?: import('node:crypto').KeyObject }) => {
    const ad = o.originalType ?? 'refund';
    const body = JSON.stringify({
      id: o.id ?? 'EV-1', create_time: '2026-01-01T12:00:00+08:00', resource_type: 'encrypt-resource', event_type: o.eventType, summary: 's',
      resource: { algorithm: 'AEAD_AES_256_GCM', associated_data: ad, nonce: 'abcdefabcdef', ...(o.originalType === undefined ? {} : { original_type: o.originalType }),
        ciphertext: aeadEncrypt(v3Creds.apiV3Key, 'abcdefabcdef', ad, JSON.stringify(o.resource)) },
    });
    return { headers: { ...wechatpayHeaders(body, PUB_KEY_ID, o.key ?? platform.privateKey), 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' }, body };
  };
  const refund = (over: Record<string, unknown> = {}) => ({
    mchid: '100', transaction_id: '4200001', out_trade_no: 'O123456', refund_id: '5030001', out_refund_no: 'R1', refund_status: 'SUCCESS',
    success_time: '2026-01-01T12:00:05+08:00', user_received_account: '支付用户零钱', amount: { total: 10, refund: 5, payer_total: 10, payer_refund: 5 }, ...over,
  });
  const refused = (n: { headers: Record<string, string>; body: string }, status: number) =>
    assert.throws(() => ch.parseNotification(n), (e: unknown) => e instanceof ChannelNotificationError && e.reply.status === status);

  test('REFUND.SUCCESS / ABNORMAL / CLOSED (original_type refund) → a refund notification naming the trade and the refund', () => {
    const ok = ch.parseNotification(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund() }));
    assert.equal(ok.kind, 'refund');
    assert.ok(ok.kind === 'refund');
    assert.deepEqual({ outTradeNo: ok.outTradeNo, outRefundNo: ok.outRefundNo }, { outTradeNo: 'O123456', outRefundNo: 'R1' });
    assert.match(ok.notifyId, /^v3-[0-9a-f]{40}$/);
    const again = ch.parseNotification(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund() }));
    assert.equal(again.notifyId, ok.notifyId, 'a retried event has the same notify id');
    for (const [event, status] of [['REFUND.ABNORMAL', 'ABNORMAL'], ['REFUND.CLOSED', 'CLOSED']] as const) {
      const n = ch.parseNotification(note({ eventType: event, originalType: 'refund', resource: refund({ refund_status: status }) }));
      assert.equal(n.kind, 'refund', event);
      assert.notEqual(n.notifyId, ok.notifyId);
    }
    assert.equal(ch.parseNotification(note({ eventType: 'REFUND.SUCCESS', resource: refund() })).kind, 'refund', 'original_type may be absent');
    assert.equal(ch.notificationAck(true).status, 204);
  });

  test('refund notifications for another merchant, without a refund number or status, of the wrong type, or forged are refused', () => {
    refused(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund({ mchid: '999' }) }), 400);
    refused(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund({ out_refund_no: undefined }) }), 400);
    refused(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund({ out_refund_no: '' }) }), 400);
    refused(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund({ out_trade_no: undefined }) }), 400);
    refused(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund({ refund_status: undefined }) }), 400);
    refused(note({ eventType: 'REFUND.SUCCESS', originalType: 'transaction', resource: refund() }), 400);
    refused(note({ eventType: 'TRANSACTION.SUCCESS', originalType: 'refund', resource: refund() }), 400);
    refused(note({ eventType: 'SOMETHING.ELSE', originalType: 'refund', resource: refund() }), 400);
    refused(note({ eventType: 'REFUND.SUCCESS', originalType: 'refund', resource: refund(), key: stranger }), 401);
  });

  test('TRANSACTION.SUCCESS is still a trade result', () => {
    const t = ch.parseNotification(note({ eventType: 'TRANSACTION.SUCCESS', originalType: 'transaction', resource: {
      appid: 'wxA', mchid: '100', out_trade_no: 'O123456', transaction_id: '4200001', trade_type: 'NATIVE', trade_state: 'SUCCESS', amount: { total: 10, currency: 'CNY' },
    } }));
    assert.ok(t.kind !== 'refund');
    assert.equal(t.result.status, 'succeeded');
  });
});
