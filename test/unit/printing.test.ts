import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerReceipt, type ReceiptIo } from '../../src/cli/receipt.ts';
import { sampleData } from '../../src/receipts/defaults.ts';
import { renderReceipt } from '../../src/receipts/receipt.ts';
import { parsePrinterUrl, sendJob } from '../../src/printing/tcp.ts';
import { decodeEscPos, textOf } from '../printer/escpos.ts';
import { startFakePrinter, type FakePrinter } from '../printer/fake-9100.ts';

/** Run `saoma …` in-process with captured output (the real commander program, the real printer socket). */
async function saoma(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const out: Buffer[] = [];
  let err = '';
  let code = 0;
  const io: ReceiptIo = {
    stdout: (d) => void out.push(Buffer.from(d)),
    stderr: (t) => { err += t; },
    exit: (c) => { code = c; },
    tty: false,
  };
  const program = new Command().exitOverride().configureOutput({ writeErr: (t) => { err += t; }, writeOut: () => undefined });
  registerReceipt(program, io);
  try {
    await program.parseAsync(['node', 'saoma', ...args]);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
  }
  return { code, stdout: Buffer.concat(out), stderr: err };
}

describe('network receipt printers (raw TCP 9100)', () => {
  let printer: FakePrinter;
  const dir = mkdtempSync(join(tmpdir(), 'saoma-print-'));
  before(async () => { printer = await startFakePrinter(); });
  after(async () => { await printer.close(); });

  test('a printer address is tcp://HOST[:PORT], 9100 by default', () => {
    assert.deepEqual(parsePrinterUrl('tcp://192.168.1.50'), { host: '192.168.1.50', port: 9100 });
    assert.deepEqual(parsePrinterUrl('tcp://printer.local:9101'), { host: 'printer.local', port: 9101 });
    assert.throws(() => parsePrinterUrl('http://x:9100'), /tcp:\/\/HOST:9100/);
    assert.throws(() => parsePrinterUrl('tcp://x:70000'), /not a printer address/);
  });

  test('a job reaches the printer byte for byte and reads back as the receipt', async () => {
    const r = await renderReceipt({ kind: 'sale', data: sampleData(), lang: 'zh-Hans', format: 'escpos', paper: 58, encoding: 'gbk' });
    const before = printer.jobs.length;
    await sendJob(parsePrinterUrl(printer.url), r.bytes);
    await printer.waitForJobs(before + 1);
    assert.ok(printer.jobs[before]!.equals(r.bytes));
    assert.match(textOf(decodeEscPos(printer.jobs[before]!, { encoding: 'gbk' })), /收银小票[\s\S]*合计[\s\S]*￥42\.50/);
  });

  test('an unreachable printer is printer_unreachable, saying what to check', async () => {
    await printer.offline();
    try {
      await assert.rejects(sendJob(parsePrinterUrl(printer.url), Buffer.from('x')),
        (e: { code?: string; message?: string }) => e.code === 'printer_unreachable' && /refused the connection/.test(e.message ?? '') && (e.message ?? '').includes(String(printer.port)));
    } finally { await printer.online(); }
  });

  test('a printer that takes the connection but never reads (paper out, buffer full) times out', async () => {
    printer.setMode('silent');
    try {
      await assert.rejects(sendJob(parsePrinterUrl(printer.url), Buffer.alloc(4 * 1024 * 1024, 0x41), { timeoutMs: 500 }),
        (e: { code?: string; message?: string }) => e.code === 'printer_unreachable' && /did not answer/.test(e.message ?? ''));
    } finally { printer.setMode('online'); }
  });

  test('saoma print: a batch of two slips × 2 copies, the drawer opened once, in order', async () => {
    const a = sampleData();
    const b = sampleData();
    b.sale!.number = 'S-SECOND';
    writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
    const before = printer.jobs.length;
    const res = await saoma(['print', '--printer', printer.url, '--data', join(dir, 'a.json'), join(dir, 'b.json'), '--copies', '2', '--drawer', '--lang', 'zh-Hant']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout.toString(), /printed 4 slips/);
    assert.match(res.stderr, /printed 4\/4/);
    const jobs = (await printer.waitForJobs(before + 4)).slice(before).map((j) => decodeEscPos(j, { encoding: 'gbk' }));
    assert.deepEqual(jobs.map((j) => j.drawerKicks.length), [1, 0, 0, 0]);
    assert.deepEqual(jobs.map((j) => /S-SECOND/.test(textOf(j))), [false, false, true, true]);
    for (const j of jobs) assert.match(textOf(j), /收銀小票/);
  });

  test('saoma print to a printer that is off: exit 1, how many were not printed, nothing half-sent', async () => {
    await printer.offline();
    try {
      const res = await saoma(['print', '--printer', printer.url, '--sample', '--copies', '2', '--retries', '2']);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /refused the connection.*Printed 0 of 2; 2 not printed/);
    } finally { await printer.online(); }
  });

  test('saoma print refuses a broken template before any paper is used', async () => {
    writeFileSync(join(dir, 'bad.txt'), '^^{{merchant.name}}\n{{#sale.items}}\n{{nme}}\n{{/sale.items}}\n');
    const before = printer.jobs.length;
    const res = await saoma(['print', '--printer', printer.url, '--sample', '--template', join(dir, 'bad.txt')]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Template line 3: unknown field "nme"/);
    assert.equal(printer.jobs.length, before);
  });

  test('saoma receipt render: text, ESC/POS to a file, PNG; check and sample', async () => {
    const text = await saoma(['receipt', 'render', '--sample', '--lang', 'en', '--copy', 'merchant']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout.toString(), /Sales receipt[\s\S]*Merchant copy[\s\S]*Signature:/);

    const out = join(dir, 'r.bin');
    const bin = await saoma(['receipt', 'render', '--sample', '--kind', 'verification', '--format', 'escpos', '--out', out]);
    assert.equal(bin.code, 0, bin.stderr);
    assert.deepEqual(decodeEscPos(readFileSync(out)).qrCodes, ['https://pay.example.com/r/K7Q2M9XD']);

    const png = await saoma(['receipt', 'render', '--sample', '--format', 'png']);
    assert.equal(png.code, 0, png.stderr);
    assert.equal(png.stdout.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.stdout.readUInt32BE(16), 384, 'one pixel per printer dot on 58 mm paper');

    const sample = await saoma(['receipt', 'sample']);
    assert.equal(JSON.parse(sample.stdout.toString()).sale.amount, 4250);

    writeFileSync(join(dir, 'open.txt'), '{{merchant.name}}\n{{#sale.items}}\n{{name}}\n');
    const bad = await saoma(['receipt', 'check', join(dir, 'open.txt')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Template line 2: Unclosed section "sale\.items"/);

    const wrong = await saoma(['receipt', 'render', '--sample', '--paper', '57']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /58 \(POS58, 32 columns\) or 80/);
  });
});
