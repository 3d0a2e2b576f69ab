import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';

/** `saoma bill generate` and `saoma reconcile --file`: the summary a person reads, and the exit code a script reads. */
describe('saoma reconcile and saoma bill generate', () => {
  let s: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'saoma-cli-rc-'));
  const saoma = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8', env: { ...process.env, SAOMA_ENV: 'test', ...env }, timeout: 120_000,
  });

  before(async () => { s = await startServer({}, { worker: false }); });
  after(async () => s?.close());

  test('a bill that lists trades our books lack: the table names 长款 in Chinese, and the exit code is 1', () => {
    const gen = saoma(['bill', 'generate', '--channel', 'qq', '--rows', '7', '--out', join(dir, 'qq.csv'), '--date', '2026-11-30']);
    assert.equal(gen.status, 0, gen.stderr);
    assert.ok(statSync(join(dir, 'qq.csv')).size > 500);
    const r = saoma(['reconcile', '--date', '2026-11-30', '--channel', 'qq', '--file', join(dir, 'qq.csv'), '--merchant', s.demo.merchantId, '--database-url', s.db.url], { LANG: 'zh_CN.UTF-8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /账单行数: 7/);
    assert.match(r.stdout, /未处理差错: 长款·平台漏单 7/);
  });

  test('a day where the bill and the books agree (both empty) exits 0, in English', () => {
    assert.equal(saoma(['bill', 'generate', '--channel', 'unionpay', '--rows', '0', '--out', join(dir, 'up.txt'), '--date', '2026-11-29']).status, 0);
    const r = saoma(['reconcile', '--date', '2026-11-29', '--channel', 'unionpay', '--file', join(dir, 'up.txt'), '--merchant', s.demo.merchantId, '--database-url', s.db.url], { LANG: 'en_US.UTF-8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no open mismatches/);
  });

  test('bad arguments say what to do: a date that is not one, a file without its wallet', () => {
    const bad = saoma(['reconcile', '--date', '2026-02-30', '--database-url', s.db.url]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /calendar day/);
    const noChannel = saoma(['reconcile', '--date', '2026-11-29', '--file', join(dir, 'up.txt'), '--database-url', s.db.url]);
    assert.match(noChannel.stderr, /--file needs --channel/);
  });
});
