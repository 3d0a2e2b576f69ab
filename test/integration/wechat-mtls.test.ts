import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { freePort, startServer, type TestServer } from '../helpers/server.ts';
import { getPayment, tradeNo, waitFinal } from '../helpers/flows.ts';
import { startWechatEmulator, type WechatEmulator } from '../../src/channels/wechat/emulator.ts';
import { WechatChannel, wechatAccountFrom } from '../../src/channels/wechat/adapter.ts';
import { CREATED_AT, tradeRef } from '../unit/helpers.ts';

/**
 * Mutual TLS on v2 /secapi/* (reverse, refund): the emulator listens on HTTPS and asks for a merchant API
 * certificate issued by a CA made here with the openssl CLI; the adapter presents the account's certificate.
 * Reverse and refund work with it and are refused without one or with one from another CA.
 */
function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCerts(dir: string) {
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  const ca = (name: string) => openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
  const leaf = (name: string, cn: string, issuer: string, ext?: string) => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...(ext ? ['-extfile', ext] : []));
  };
  ca('wechatpay-ca');
  ca('rogue-ca');
  leaf('server', '127.0.0.1', 'wechatpay-ca', 'server.ext');
  leaf('merchant', '1900000109', 'wechatpay-ca');
  leaf('rogue', '1900000109', 'rogue-ca');
  const pem = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    ca: pem('wechatpay-ca.crt'), server: { cert: pem('server.crt'), key: pem('server.key') },
    merchant: { cert: pem('merchant.crt'), key: pem('merchant.key') }, rogue: { cert: pem('rogue.crt'), key: pem('rogue.key') },
  };
}

function wxCode(b: string): string {
  return `1${randomInt(0, 6)}${String(randomInt(0, 1e7)).padStart(7, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}${b}`;
}

describe('WeChat v2 /secapi/* over mutual TLS', () => {
  let s: TestServer;
  let wx: { url: string; emulator: WechatEmulator; app: { close(): Promise<unknown> } };
  let certs: ReturnType<typeof makeCerts>;
  const merchant = { mchId: '1900000109', appId: 'wx2421b1c4370ec43b', apiKey: '192006250b4c09247ec02edce69f6a2d' };
  const adapter = (certificate?: { cert: string; key: string }) => new WechatChannel(wechatAccountFrom({ baseUrl: wx.url, credentials: {
    appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, serverCa: certs.ca, ...(certificate ? { certificate: certificate.cert, certificateKey: certificate.key } : {}),
  } }, { queryIntervalMs: 200, payCodeGiveUpMs: 3000 }));

  before(async () => {
    certs = makeCerts(mkdtempSync(join(tmpdir(), 'saoma-wx-mtls-')));
    // The emulator's server certificate comes from the CA made above: the account trusts that CA
    // (`serverCa`) and nothing else, and the emulator checks our client certificate against it.
    s = await startServer({ qrTtlMs: 2500 });
    wx = await startWechatEmulator({ port: await freePort(), dbPath: join(s.db.dataDir, 'wechat-mtls.db'), merchants: [merchant], tls: { ...certs.server, ca: certs.ca } });
    assert.match(wx.url, /^https:\/\//);
    const r = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/channels/wechat`, {
      baseUrl: wx.url,
      credentials: { appId: merchant.appId, mchId: merchant.mchId, apiKey: merchant.apiKey, serverCa: certs.ca, certificate: certs.merchant.cert, certificateKey: certs.merchant.key, minReverseDelayMs: '3000' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => {
    await s.close();
    await wx.app.close();
  });

  test('through the gateway: a never-confirmed code is reversed over mTLS; a paid one is refunded over mTLS', async () => {
    const r = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('WT'), amount: 900, currency: 'CNY', method: 'payment_code', authCode: wxCode('03') });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const p = await waitFinal(s, r.body.id, 30_000);
    assert.equal(p.state, 'reversed');
    assert.equal(wx.emulator.trade(merchant.mchId, p.outTradeNo)!.state, 'REVOKED');
    assert.ok(wx.emulator.calls.some((c) => c.outTradeNo === p.outTradeNo && c.path === '/secapi/pay/reverse' && !c.errCode));

    const paid = (await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('WT'), amount: 500, currency: 'CNY', method: 'payment_code', authCode: wxCode('00') })).body;
    assert.equal(paid.state, 'succeeded');
    const refund = await s.signed('POST', `/v1/payments/${paid.id}/refunds`, { amount: 500 });
    assert.equal(refund.status, 201, JSON.stringify(refund.body));
    const c = await (async () => {
      for (let i = 0; i < 200; i++) {
        const row = wx.emulator.chargeSummary().find((x) => x.out_trade_no === paid.outTradeNo);
        if (row && row.returned === 500) return row;
        await new Promise((res) => setTimeout(res, 50));
      }
      return undefined;
    })();
    assert.ok(c, 'the refund reached WeChat');
    assert.equal(c.times_charged, 1);
    assert.equal((await getPayment(s, paid.id)).state, 'succeeded');
  });

  test('reverse without a client certificate, or with one from another CA, is refused and changes nothing', async () => {
    const outTradeNo = `WTN${Date.now()}`;
    const withCert = adapter(certs.merchant);
    const r = await withCert.payWithCode({ outTradeNo, createdAt: CREATED_AT, amount: { minor: 300, currency: 'CNY' }, subject: 'x', authCode: wxCode('03'), notifyUrl: 'http://127.0.0.1:9/n' });
    assert.equal(r.status, 'waiting_customer', 'non-/secapi paths need no certificate');
    for (const cert of [undefined, certs.rogue]) {
      const refused = await adapter(cert).reverse(tradeRef(outTradeNo));
      assert.equal(refused.status, 'retry', JSON.stringify(refused));
      assert.equal(wx.emulator.trade(merchant.mchId, outTradeNo)!.state, 'USERPAYING');
    }
    assert.equal(wx.emulator.calls.filter((c) => c.outTradeNo === outTradeNo && c.path === '/secapi/pay/reverse').length, 0, 'refused before WeChat looked at it');
    assert.deepEqual(await withCert.reverse(tradeRef(outTradeNo)), { status: 'reversed' });
    assert.equal(wx.emulator.trade(merchant.mchId, outTradeNo)!.state, 'REVOKED');
  });
});
