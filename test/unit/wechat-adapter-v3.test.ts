import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WechatChannel, wechatAccountFrom } from '../../src/channels/wechat/adapter.ts';
import { mapRefund, mapTransaction } from '../../src/channels/wechat/v3-client.ts';
import { wechatpayHeaders } from '../../src/channels/wechat/v3.ts';
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
  let ch: WechatChannel;
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
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
});
