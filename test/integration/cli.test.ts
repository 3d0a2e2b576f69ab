import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Store } from '../../src/store/db.ts';
import { freshDatabase, TEST_STORE } from '../helpers/store.ts';

const exec = promisify(execFile);

async function saoma(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe(`saoma CLI (${TEST_STORE})`, () => {
  test('--help on the program and on every verb', async () => {
    const top = await saoma(['--help']);
    assert.equal(top.code, 0);
    for (const verb of ['serve', 'migrate', 'ledger', 'bench', 'api', 'webhooks', 'sandbox-wallet', 'paycode', 'emv']) assert.match(top.stdout, new RegExp(`\\b${verb}\\b`));
    for (const verb of [['serve'], ['migrate'], ['ledger', 'check'], ['bench'], ['api'], ['webhooks', 'listen'], ['sandbox-wallet'], ['paycode'], ['emv', 'decode'], ['emv', 'encode']]) {
      const r = await saoma([...verb, '--help']);
      assert.equal(r.code, 0, verb.join(' '));
      assert.match(r.stdout, /Usage: saoma/);
    }
  });

  test('bad arguments: a clear message and a non-zero exit', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['serve', '--port', 'eighty'], /port number/],
      [['serve', '--port', '70000'], /port number/],
      [['migrate', '--database-url', 'mysql://localhost/x'], /SAOMA_DATABASE_URL must start with sqlite: or postgres:\/\//],
      [['api', 'FETCH', '/v1/payments'], /method must be GET, POST, PUT or DELETE/],
      [['api', 'POST', 'v1/payments'], /path must start with "\/"/],
      [['api', 'POST', '/v1/payments', '{not json'], /body is not valid JSON/],
      [['ledger', 'check', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await saoma(args, { SAOMA_DATA_DIR: '/nonexistent-saoma-test' });
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('production refuses the sandbox and a missing master key', async () => {
    const a = await saoma(['migrate'], { SAOMA_ENV: 'production', SAOMA_SANDBOX: '1', SAOMA_MASTER_KEY: 'a'.repeat(64) });
    assert.equal(a.code, 2);
    assert.match(a.stderr, /SAOMA_SANDBOX cannot be on when SAOMA_ENV=production/);
    const b = await saoma(['migrate'], { SAOMA_ENV: 'production' });
    assert.equal(b.code, 2);
    assert.match(b.stderr, /SAOMA_MASTER_KEY is required in production/);
  });

  test('migrate, then ledger check passes on an empty store and fails on an unbalanced one', async () => {
    const db = await freshDatabase();
    try {
      const m = await saoma(['migrate', '--database-url', db.url, '--data-dir', db.dataDir]);
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, /0001_core: Success/);
      const again = await saoma(['migrate', '--database-url', db.url, '--data-dir', db.dataDir]);
      assert.match(again.stdout, /schema is up to date/);
      const ok = await saoma(['ledger', 'check', '--database-url', db.url, '--data-dir', db.dataDir]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).ok, true);

      // Tamper with the books behind Saoma's back: the check must notice.
      const store = Store.open(db.url);
      await store.write(async (tx) => {
        await tx.insertInto('journals').values({ id: 'jnl_forged', merchant_id: 'mch_x', kind: 'payment', ref: 'pay_missing', created_at: new Date().toISOString() }).execute();
        await tx.insertInto('postings').values({ journal_id: 'jnl_forged', merchant_id: 'mch_x', account: 'channel_clearing:sandbox', amount: 100, currency: 'CNY', created_at: new Date().toISOString() }).execute();
      });
      await store.close();
      const bad = await saoma(['ledger', 'check', '--database-url', db.url, '--data-dir', db.dataDir]);
      assert.equal(bad.code, 1);
      const report = JSON.parse(bad.stdout);
      assert.equal(report.ok, false);
      assert.equal(report.sums.CNY, 100);
      assert.deepEqual(report.unbalancedJournals, ['jnl_forged']);
      assert.deepEqual(report.entriesWithoutSuccess, ['pay_missing']);
    } finally {
      await db.drop();
    }
  });
});
