import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseBill } from '../../src/channels/wechat/bill.ts';
import { generatedTrades, writeBill, GENERATED_CHANNELS } from '../../src/reconcile/generate.ts';
import { billLines, bufferBytes, fileBytes } from '../../src/reconcile/bill-file.ts';

const all = async (it: AsyncIterable<Array<{ outTradeNo: string; amount: number; fee: number }>>) => { const out = []; for await (const b of it) out.push(...b); return out; };

describe('bill files read as streams, by header name', () => {
  test('every wallet\'s generated bill reads back line for line (zip+GBK, text, pipe layouts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saoma-bills-'));
    for (const ch of GENERATED_CHANNELS) {
      const out = join(dir, ch);
      assert.equal(await writeBill({ channel: ch, date: '2026-12-01', rows: 120, out }), 120);
      const lines = await all(billLines(ch, fileBytes(out)));
      const want = [...generatedTrades(ch, '2026-12-01', 120)];
      assert.deepEqual(lines.map((l) => [l.outTradeNo, l.amount, l.fee]), want.map((g) => [g.tradeNo, g.amount, g.fee]), ch);
    }
  });

  test('a gzipped WeChat bill (tar_type=GZIP) and one with a BOM read the same as the plain one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saoma-bills-'));
    await writeBill({ channel: 'wechat', date: '2026-12-01', rows: 10, out: join(dir, 'wx') });
    const text = readFileSync(join(dir, 'wx'));
    const plain = await all(billLines('wechat', bufferBytes(text)));
    assert.deepEqual(await all(billLines('wechat', bufferBytes(gzipSync(text)))), plain);
    assert.deepEqual(await all(billLines('wechat', bufferBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text])))), plain);
  });

  test('a file cut short is refused whole with bill_unreadable, never half-read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saoma-bills-'));
    for (const ch of GENERATED_CHANNELS) {
      await writeBill({ channel: ch, date: '2026-12-01', rows: 60, out: join(dir, ch) });
      const bytes = readFileSync(join(dir, ch));
      writeFileSync(join(dir, `${ch}.cut`), bytes.subarray(0, Math.floor(bytes.length * 0.7)));
      await assert.rejects(all(billLines(ch, fileBytes(join(dir, `${ch}.cut`)))), (e: { code?: string }) => e.code === 'bill_unreadable', ch);
    }
  });

  test('WeChat\'s 2016 layout (总金额, no 应结订单金额) is read by its header names', () => {
    const header = '交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,总金额,企业红包金额,微信退款单号,商户退款单号,退款金额,企业红包退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率';
    const row = '`2016-05-04 12:00:00,`wx1,`190,`0,`,`4200001,`OLD-1,`o1,`NATIVE,`SUCCESS,`CFT,`CNY,`12.50,`0.00,`0,`0,`0.00,`0.00,`,`,`x,`,`0.08000,`0.60%';
    const lines = parseBill([header, row, '总交易单数,总交易额,总退款金额,总企业红包退款金额,手续费总金额', '`1,`12.50,`0.00,`0.00,`0.08000', ''].join('\r\n'));
    assert.deepEqual(lines.map((l) => [l.outTradeNo, l.amount, l.fee]), [['OLD-1', 1250, 8]]);
  });
});
