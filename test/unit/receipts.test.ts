import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TEMPLATES, sampleData } from '../../src/receipts/defaults.ts';
import { parseReceiptData } from '../../src/receipts/data-schema.ts';
import { RECEIPT_KINDS, type ReceiptData } from '../../src/receipts/model.ts';
import { checkTemplate, receiptDocument, renderReceipt } from '../../src/receipts/receipt.ts';
import { fitToPrinter } from '../../src/receipts/render.ts';
import { localTime, printedAmount } from '../../src/receipts/view.ts';
import { decodeEscPos, textOf, type Decoded } from '../printer/escpos.ts';

/** Printed width of a line: CJK and full-width forms take two columns. */
function columns(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}

async function printed(data: ReceiptData, opts: Partial<Parameters<typeof renderReceipt>[0]> = {}): Promise<Decoded> {
  const r = await renderReceipt({ kind: 'sale', data, lang: 'zh-Hans', format: 'escpos', paper: 58, encoding: 'gbk', ...opts });
  return decodeEscPos(r.bytes, { encoding: opts.encoding === 'big5' ? 'big5' : 'gbk' });
}

function expectTemplateError(source: string, line: number, words: RegExp): void {
  assert.throws(() => checkTemplate(source), (e: { code?: string; message?: string; details?: { line?: number } }) => {
    assert.equal(e.code, 'invalid_template');
    assert.equal(e.details?.line, line, e.message);
    assert.match(e.message ?? '', words);
    return true;
  });
}

describe('receipt amounts and times', () => {
  test('CNY prints with the full-width ￥ and exact fen', () => {
    assert.equal(printedAmount(4250, 'CNY'), '￥42.50');
    assert.equal(printedAmount(5, 'CNY'), '￥0.05');
    assert.equal(printedAmount(-100, 'CNY'), '-￥1.00');
    assert.equal(printedAmount(123456789, 'CNY'), '￥1,234,567.89');
    assert.equal(printedAmount(1200, 'JPY'), 'JPY 1,200');
  });
  test('times are the merchant\'s wall clock', () => {
    assert.equal(localTime('2026-11-26T04:30:15.000Z', 'Asia/Shanghai'), '2026-11-26 12:30:15');
    assert.equal(localTime('2026-11-26T04:30:15.000Z', 'Asia/Taipei'), '2026-11-26 12:30:15');
    assert.equal(localTime('2026-11-25T23:59:59.000Z', 'Europe/London'), '2026-11-25 23:59:59');
    assert.equal(localTime('2026-11-25T16:00:00.000Z', 'Asia/Shanghai'), '2026-11-26 00:00:00');
  });
});

describe('receipt templates', () => {
  test('every default template passes the check and renders every kind', async () => {
    for (const kind of RECEIPT_KINDS) {
      checkTemplate(DEFAULT_TEMPLATES[kind]);
      const r = await renderReceipt({ kind, data: sampleData(), lang: 'en', format: 'text', paper: 58, encoding: 'gbk' });
      assert.ok(r.bytes.length > 50, kind);
    }
  });
  test('a misspelt field is named with its line and the fields that exist', () => {
    expectTemplateError('^^{{merchant.name}}\n{{store.name}}\n{{sale.totl}}\n', 3, /unknown field "sale\.totl"\. Fields here: .*total/);
  });
  test('a field inside a section is checked against the section\'s element', () => {
    expectTemplateError('{{#sale.items}}\n{{name}} | {{price}}\n{{quantiy}}\n{{/sale.items}}\n', 3, /quantiy/);
    checkTemplate('{{#sale.items}}\n{{name}} | {{quantity}} | {{label.qty}}\n{{/sale.items}}\n');
  });
  test('an unclosed section names where it opened', () => {
    expectTemplateError('{{merchant.name}}\n-\n{{#sale.items}}\n{{name}}\n', 3, /Unclosed section "sale\.items"/);
  });
  test('unescaped values, raw printer commands and unknown properties are refused', () => {
    expectTemplateError('{{merchant.name}}\n{{{store.name}}}\n', 2, /unescaped/);
    expectTemplateError('{{merchant.name}}\n{command:1b70001919}\n', 2, /raw printer commands/);
    expectTemplateError('{{merchant.name}}\n\n{colour:red}\n', 3, /unknown property "colour"/);
    expectTemplateError('{{merchant.name}}\n{code:{{qr.url}}; option:qrcode,6,q\n', 2, /does not close/);
    expectTemplateError('{{sale}}\n', 1, /group of fields/);
    expectTemplateError('  \n', 1, /empty/);
  });
  test('a merchant\'s text cannot restyle the slip: decoration characters print as themselves', async () => {
    const data = sampleData();
    data.sale!.items = [{ name: '_B_"deal"^`|{y}', quantity: 1, unitPrice: 100 }];
    data.sale!.amount = 100;
    data.sale!.tenders = [{ channel: 'cash', amount: 100 }];
    const d = await printed(data);
    const line = d.lines.find((l) => l.text.includes('deal'));
    assert.ok(line, textOf(d));
    assert.match(line.text, /_B_"deal"\^`\|\{y\}/);
    assert.ok(line.runs.every((r) => !r.underline && !r.bold && !r.invert && r.width === 1), JSON.stringify(line.runs));
  });
  test('a value inside a QR property keeps every character (property escaping, not text escaping)', async () => {
    const data = sampleData();
    const url = 'https://pay.example.com/r/a_b-c~d;e|f{g}';
    data.verification = { code: 'X', url, signaturePng: null };
    const r = await renderReceipt({ kind: 'verification', data, lang: 'en', format: 'escpos', paper: 58, encoding: 'gbk' });
    assert.deepEqual(decodeEscPos(r.bytes).qrCodes, [url]);
  });
});

describe('receipts on a POS58 in three languages (read back by the test printer)', () => {
  const cases = [
    { lang: 'zh-Hans', encoding: 'gbk', words: ['收银小票', '合计', '微信支付', '交易号', '找零', '谢谢惠顾'] },
    { lang: 'zh-Hant', encoding: 'gbk', words: ['收銀小票', '合計', '微信支付', '交易號', '找零', '謝謝惠顧'] },
    { lang: 'zh-Hant', encoding: 'big5', words: ['收銀小票', '合計', '交易號', '謝謝惠顧'] },
    { lang: 'en', encoding: 'gbk', words: ['Sales receipt', 'Total', 'WeChat Pay', 'Txn No.', 'Change', 'Thank you'] },
  ] as const;
  for (const c of cases) {
    test(`${c.lang} in ${c.encoding}`, async () => {
      const data = sampleData();
      if (c.encoding === 'big5') data.store = { name: '一號檔口', address: null };
      const d = await printed(data, { lang: c.lang, encoding: c.encoding, drawer: true });
      const text = textOf(d);
      for (const w of c.words) assert.ok(text.includes(w), `${w} missing from\n${text}`);
      assert.ok(text.includes('￥42.50') && text.includes('4200001234202611261234567890'), text);
      assert.deepEqual(d.problems, [], 'every CJK byte inside FS & … FS ., no unknown command');
      assert.ok(d.startsWithInit, 'the job starts with ESC @');
      assert.equal(d.cuts, 1, 'one cut (a feed on printers without a cutter)');
      assert.deepEqual(d.drawerKicks, [{ pin: 2, onMs: 50, offMs: 500 }]);
      for (const l of d.lines) assert.ok(l.cells <= 32, `"${l.text}" is ${l.cells} columns on a 32-column printer`);
      const total = d.lines.find((l) => l.text.includes('￥42.50') && l.runs.some((r) => r.width === 2));
      assert.ok(total, 'the total prints double width');
    });
  }
  test('the full-width ￥ goes out as its GBK code A3 A4, never the four-byte GB18030 ¥', async () => {
    const r = await renderReceipt({ kind: 'sale', data: sampleData(), lang: 'zh-Hans', format: 'escpos', paper: 58, encoding: 'gbk' });
    assert.ok(r.bytes.includes(Buffer.from([0xa3, 0xa4, 0x34, 0x32])), '￥42');
    assert.ok(!r.bytes.includes(Buffer.from([0x81, 0x30, 0x84, 0x36])));
  });
  test('80 mm paper takes 48 columns', async () => {
    // The text rendering lays columns out exactly as the printer does (double width as spaced letters).
    const r = await renderReceipt({ kind: 'sale', data: sampleData(), lang: 'zh-Hans+en', format: 'text', paper: 80, encoding: 'gbk' });
    const lines = r.bytes.toString('utf8').split('\n');
    const widest = Math.max(...lines.map(columns));
    assert.ok(widest > 32 && widest <= 48, `widest line ${widest}`);
    assert.ok(lines.some((l) => l.includes('收银小票 Sales receipt')));
  });
  test('the merchant copy has the signature line; the customer copy does not', async () => {
    const merchant = textOf(await printed(sampleData(), { copy: 'merchant' }));
    const customer = textOf(await printed(sampleData(), { copy: 'customer' }));
    assert.match(merchant, /商户联[\s\S]*签名:/);
    assert.doesNotMatch(customer, /签名/);
    assert.match(customer, /顾客联/);
  });
  test('a QR slip carries its URL in a code a phone can read', async () => {
    const r = await renderReceipt({ kind: 'qr_slip', data: sampleData(), lang: 'zh-Hans', format: 'escpos', paper: 58, encoding: 'gbk' });
    const d = decodeEscPos(r.bytes);
    assert.deepEqual(d.qrCodes, ['https://pay.example.com/s/k3q9v2m7xw4d']);
    assert.ok(textOf(d).includes('扫码付款'));
  });
  test('shift report: figures and the difference', async () => {
    const r = await renderReceipt({ kind: 'shift', data: sampleData(), lang: 'zh-Hans', format: 'escpos', paper: 58, encoding: 'gbk' });
    const text = textOf(decodeEscPos(r.bytes, { encoding: 'gbk' }));
    for (const w of ['交班报表', '备用金', '￥200.00', '应有现金', '￥212.50', '实点现金', '￥211.50', '-￥1.00']) assert.ok(text.includes(w), `${w} in\n${text}`);
  });
});

describe('text a printer cannot carry', () => {
  test('is printed as "?" with a warning naming the character and line', () => {
    const r = fitToPrinter('炸鸡 🍗\n牛肉面\n', 'gbk');
    assert.equal(r.doc, '炸鸡 ?\n牛肉面\n');
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.line, 1);
    assert.match(r.warnings[0]!.message, /U\+1F357/);
  });
  test('¥ and • are replaced by what CJK printer fonts have', () => {
    assert.equal(fitToPrinter('¥12 • x', 'gbk').doc, '￥12 · x');
  });
  test('strict mode refuses a slip with text the printer cannot carry, naming it', async () => {
    const data = sampleData();
    data.sale!.items![0]!.name = '炸鸡 🍗';
    await assert.rejects(renderReceipt({ kind: 'sale', data, lang: 'zh-Hant', format: 'escpos', paper: 58, encoding: 'big5', strict: true }),
      (e: { code?: string; message?: string }) => e.code === 'unprintable_text' && /big5/.test(e.message ?? '') && (e.message ?? '').includes('🍗'));
  });
  test('an ASCII printer gets English with no CJK at all', () => {
    assert.equal(fitToPrinter('Total ￥1', 'ascii').warnings.length, 1);
  });
});

describe('receipt data from outside', () => {
  test('is checked, and the first problem is named by its path', () => {
    const bad = JSON.parse(JSON.stringify(sampleData()));
    bad.sale.tenders[0].amount = 12.5;
    assert.throws(() => parseReceiptData(bad), /\/sale\/tenders\/0\/amount/);
    assert.throws(() => parseReceiptData({ ...sampleData(), merchant: { name: 'x', timezone: 'Mars/Base' } }), /time zone/);
    assert.equal(parseReceiptData(JSON.parse(JSON.stringify(sampleData()))).sale!.amount, 4250);
  });
  test('the document is the same for the preview and the printer', () => {
    const doc = receiptDocument({ kind: 'sale', data: sampleData(), lang: 'en' });
    assert.match(doc, /\^Total \| \^￥42\.50/);
  });
});
