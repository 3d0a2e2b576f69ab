import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerStand } from '../../src/cli/stand.ts';
import type { ReceiptIo } from '../../src/cli/receipt.ts';
import { StandService } from '../../src/stand/service.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** The merchant's stands from the database to print-ready artwork: the service and `saoma stand export`. */
describe(`stand artwork from the database (${process.env.SAOMA_TEST_STORE ?? 'sqlite'})`, () => {
  let s: TestServer;
  const ids: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'saoma-stands-'));
  before(async () => {
    s = await startServer();
    for (const name of ['前台 Front', '外卖窗口 Takeaway']) {
      const r = await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId, name });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
  });
  after(async () => { await s.close(); });

  async function saoma(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    const out: Buffer[] = [];
    let err = '';
    let code = 0;
    const io: ReceiptIo = { stdout: (d) => void out.push(Buffer.from(d)), stderr: (t) => { err += t; }, exit: (c) => { code = c; }, tty: false };
    const program = new Command().exitOverride().configureOutput({ writeErr: (t) => { err += t; }, writeOut: () => undefined });
    registerStand(program, io);
    try { await program.parseAsync(['node', 'saoma', ...args]); } catch (e) { code = (e as { exitCode?: number }).exitCode ?? 1; }
    return { code, stdout: Buffer.concat(out), stderr: err };
  }

  test('the service lists enabled stands with merchant, store and the wallets taken', async () => {
    const arts = await new StandService(s.rt).artwork(s.demo.merchantId, ids);
    assert.deepEqual(arts.map((a) => a.standName), ['前台 Front', '外卖窗口 Takeaway']);
    for (const a of arts) {
      assert.equal(a.merchantName, s.demo.merchantName);
      assert.ok(a.url.endsWith(`/s/${a.code}`));
      assert.ok(a.wallets.length > 0);
    }
    await s.signed('POST', `/v1/merchants/${s.demo.merchantId}/stands/${ids[1]}/disable`);
    await assert.rejects(new StandService(s.rt).artwork(s.demo.merchantId, ids), /No enabled stand/);
    const enabled = await new StandService(s.rt).artwork(s.demo.merchantId);
    assert.ok(!enabled.some((a) => a.code === arts[1]!.code), 'a disabled stand is never printed again');
  });

  test('saoma stand export writes a PDF of the chosen stands after the quality check', async () => {
    const out = join(dir, 'stands.pdf');
    const r = await saoma(['stand', 'export', '--merchant', s.demo.merchantId, '--stand', ids[0]!, '--size', '8cm', '--distance', '40cm', '--out', out, '--database-url', s.db.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /QR version \d+ .* level Q, module [\d.]+ mm/);
    assert.match(r.stderr, /wrote 1 stand/);
    const pdf = readFileSync(out).toString('latin1');
    assert.equal(pdf.match(/\/Type \/Page\b/g)?.length, 1);
  });

  test('a size too small for the code is refused and nothing is written', async () => {
    const out = join(dir, 'tiny.pdf');
    const r = await saoma(['stand', 'export', '--merchant', s.demo.merchantId, '--size', '1cm', '--dpi', '203', '--out', out, '--database-url', s.db.url]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /printer dots at 203 dpi; at least 4 dots are needed/);
    assert.throws(() => readFileSync(out));
  });

  test('over the API: the quality check per stand, then the PDF or one SVG; a code that would not scan is refused', async () => {
    const m = s.demo.merchantId;
    const q = await s.signed('GET', `/v1/merchants/${m}/stands/quality?size=3cm&dpi=203&distance=60cm&stands=${ids[0]}`);
    assert.equal(q.status, 200, JSON.stringify(q.body));
    assert.equal(q.body.data.length, 1);
    assert.ok(q.body.data[0].quality.findings.some((f: { code: string }) => f.code === 'too_small_for_distance'));
    const pdf = await s.raw('GET', `/v1/merchants/${m}/stands/artwork?size=10cm`, { headers: (await import('../../src/security/request-signing.ts')).signedHeaders(s.demo.apiKey.id, s.demo.apiKey.secret, 'GET', `/v1/merchants/${m}/stands/artwork?size=10cm`, '') });
    assert.equal(pdf.status, 200);
    assert.ok(pdf.text.startsWith('%PDF-'));
    const svg = await s.signed('GET', `/v1/merchants/${m}/stands/artwork?format=svg&stands=${ids[0]}`);
    assert.equal(svg.status, 200);
    // The code printed under the QR is the one the payment page shows: a swapped sticker shows another.
    const code = /data-stand="([a-z0-9]+)"/.exec(String(svg.body))![1]!;
    assert.ok(String(svg.body).includes(code.toUpperCase()));
    const pay = await s.raw('GET', `/s/${code}`, { headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile' } });
    assert.match(pay.text, new RegExp(`data-testid="stand-code">${code.toUpperCase()}<`));
    assert.match(String(svg.body), /^<svg[^>]*width="120\.00mm"/);
    const tiny = await s.signed('GET', `/v1/merchants/${m}/stands/artwork?size=1cm&dpi=203`);
    assert.equal(tiny.status, 400);
    assert.match(tiny.body.error.message, /at least 4 dots/);
    const bad = await s.signed('GET', `/v1/merchants/${m}/stands/quality?size=huge`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /10cm, 100mm or 4in/);
  });

  test('is this sticker ours? our URL and a registered, signed code — or which check failed', async () => {
    const m = s.demo.merchantId;
    const made = await s.signed('POST', `/v1/merchants/${m}/stands`, { storeId: s.demo.storeId, terminalId: s.demo.terminalId, name: 'Sticker' });
    const verify = async (url: string) => (await s.signed('GET', `/v1/merchants/${m}/stands/verify?url=${encodeURIComponent(url)}`)).body;
    const ok = await verify(made.body.url);
    assert.equal(ok.ours, true, JSON.stringify(ok));
    assert.equal(ok.signed, true);
    assert.equal(ok.stand.id, made.body.id);
    assert.match((await verify('https://pay.evil.example/s/abcdefghjkmn')).reason, /does not start with/);
    const code = made.body.code as string;
    const forged = code.slice(0, 11) + (code.endsWith('z') ? 'y' : 'z');
    assert.equal((await verify(made.body.url.replace(code, forged))).ours, false);
    // A row slipped into the registry without our key: registered, but not signed by us.
    const row = await s.rt.store.db.selectFrom('stands').selectAll().where('id', '=', made.body.id).executeTakeFirstOrThrow();
    await s.rt.store.write((tx) => tx.insertInto('stands').values({ ...row, id: `${row.id}x`, code: forged }).execute());
    const planted = await verify(made.body.url.replace(code, forged));
    assert.equal(planted.ours, false);
    assert.match(planted.reason, /does not carry our signature/);
    const page = await s.raw('GET', `/s/${forged}`, { headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile' } });
    assert.equal(page.status, 404, 'a planted code takes no payment');
    await s.signed('POST', `/v1/merchants/${m}/stands/${made.body.id}/disable`);
    assert.match((await verify(made.body.url)).reason, /disabled/);
  });

  test('an unknown merchant or stand says so', async () => {
    const r = await saoma(['stand', 'export', '--merchant', s.demo.merchantId, '--stand', 'std_nope', '--database-url', s.db.url]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /No enabled stand std_nope/);
  });
});
