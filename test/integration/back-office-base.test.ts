import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Store } from '../../src/store/db.ts';
import { AuditLog } from '../../src/audit/log.ts';
import { JobQueue } from '../../src/jobs/queue.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { raiseAlert } from '../../src/alerts/raise.ts';
import { freshDatabase, TEST_STORE, type TestDatabase } from '../helpers/store.ts';

/**
 * What every back-office area stands on: the audit log proves itself and names the row someone
 * changed; a job planned twice is one job, and two instances never run it at once; an alert raised
 * again while open counts an occurrence.
 */
describe(`back-office foundations on ${TEST_STORE}`, () => {
  let db: TestDatabase;
  let store: Store;
  before(async () => {
    db = await freshDatabase();
    store = Store.open(db.url);
    await store.migrate();
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  test('audited actions chain per merchant; changing one row in the database is found and named', async () => {
    const audit = new AuditLog(store);
    for (let i = 1; i <= 3; i++) {
      await store.write((tx) => audit.append(tx, { merchantId: 'm_a', actor: { kind: 'merchant', id: 'key_a' }, action: 'refund.create', target: `rfd_${i}`, after: { amount: i * 100 } }));
    }
    await store.write((tx) => audit.append(tx, { merchantId: null, actor: { kind: 'platform', id: null }, action: 'merchant.create', target: 'm_b' }));
    const ok = await audit.verify();
    assert.deepEqual({ ok: ok.ok, chains: ok.chains, rows: ok.rows }, { ok: true, chains: 2, rows: 4 });

    await sql`update audit_log set after = ${'{"amount":1}'} where chain = 'm_a' and seq = 2`.execute(store.db);
    const bad = await audit.verify();
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.breaks.map((b) => [b.chain, b.seq, b.reason]), [['m_a', 2, 'altered']]);
    assert.equal((await audit.verify(null)).ok, true, 'the platform chain is untouched');
  });

  test('an audit entry rolls back with the action it records', async () => {
    const audit = new AuditLog(store);
    await assert.rejects(store.write(async (tx) => {
      await audit.append(tx, { merchantId: 'm_c', actor: { kind: 'system', id: null }, action: 'settle.day', target: '2026-12-07' });
      throw new Error('the action failed');
    }));
    const rows = await store.db.selectFrom('audit_log').select('id').where('chain', '=', 'm_c').execute();
    assert.equal(rows.length, 0);
    assert.equal((await audit.verify('m_c')).ok, true);
  });

  test('concurrent appends to one chain keep it whole', async () => {
    const audit = new AuditLog(store);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.write((tx) => audit.append(tx, { merchantId: 'm_d', actor: { kind: 'operator', id: `op_${i}` }, action: 'cash.paid_out', target: `c_${i}` }))));
    const r = await audit.verify('m_d');
    assert.deepEqual({ ok: r.ok, rows: r.rows }, { ok: true, rows: 20 });
  });

  test('a job planned twice is one job; a claimed job is not claimed again until its lease runs out', async () => {
    const q = new JobQueue(store);
    const spec = { kind: 'test.day', key: 'm_a:2026-12-07', runAt: new Date(Date.now() - 1000), payload: { n: 1 } };
    assert.equal(await q.ensure(spec), true);
    assert.equal(await q.ensure(spec), false);
    const first = await q.claim(['test.day'], 10, 60_000);
    assert.equal(first.length, 1);
    assert.equal((await q.claim(['test.day'], 10, 60_000)).length, 0, 'running under a live lease');
    await sql`update jobs set lease_until = ${new Date(Date.now() - 1).toISOString()} where id = ${first[0]!.id}`.execute(store.db);
    const again = await q.claim(['test.day'], 10, 60_000);
    assert.equal(again.length, 1, 'an instance that died leaves the job to another');
    await q.settle(first[0]!, { state: 'done', result: 'stale' });
    assert.equal((await q.get('test.day', spec.key))!.state, 'running', 'the instance that lost its lease cannot settle it');
    await q.settle(again[0]!, { state: 'done', result: { matched: 3 } });
    const done = (await q.get('test.day', spec.key))!;
    assert.deepEqual([done.state, JSON.parse(done.result!)], ['done', { matched: 3 }]);
    await q.rerun({ ...spec, runAt: new Date(Date.now() - 1) });
    assert.equal((await q.claim(['test.day'], 10, 60_000)).length, 1, 'a finished job can be run again on request');
  });

  test('two instances claiming at once never get the same job', async () => {
    const other = Store.open(db.url);
    try {
      const a = new JobQueue(store);
      const b = new JobQueue(other);
      for (let i = 0; i < 30; i++) await a.ensure({ kind: 'test.race', key: `k${i}`, runAt: new Date(Date.now() - 1000) });
      const claims = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? a : b).claim(['test.race'], 7, 60_000)));
      const ids = claims.flat().map((j) => j.id);
      assert.equal(new Set(ids).size, ids.length, 'no job twice');
      assert.ok(ids.length <= 30);
    } finally {
      await other.close();
    }
  });

  test('the runner runs a due job once, retries one that is not ready, and keeps a failure for a person', async () => {
    const q = new JobQueue(store);
    const runner = new JobRunner(q);
    const seen: string[] = [];
    runner.register({ kind: 'test.run', run: async (job) => {
      seen.push(job.key);
      if (job.key === 'later') return { retryAt: new Date(Date.now() + 3_600_000), reason: 'bill not ready' };
      if (job.key === 'never') return { failed: 'no such account' };
      if (job.key === 'throws') throw new Error('boom');
      return { done: { key: job.key } };
    } });
    runner.addPlanner({ name: 'plan', plan: async (now) => {
      for (const key of ['ok', 'later', 'never', 'throws']) await q.ensure({ kind: 'test.run', key, runAt: new Date(now.getTime() - 1) });
    } });
    assert.equal(await runner.tick(), 4);
    assert.equal(await runner.tick(), 0, 'nothing is due again: planning twice added nothing');
    assert.deepEqual(seen.sort(), ['later', 'never', 'ok', 'throws']);
    const state = async (k: string) => (await q.get('test.run', k))!;
    assert.equal((await state('ok')).state, 'done');
    assert.deepEqual([(await state('later')).state, (await state('later')).last_error], ['due', 'bill not ready']);
    assert.deepEqual([(await state('never')).state, (await state('never')).last_error], ['failed', 'no such account']);
    const thrown = await state('throws');
    assert.deepEqual([thrown.state, thrown.last_error], ['due', 'boom']);
    assert.ok(Date.parse(thrown.run_at) > Date.now(), 'retried later, with back-off');
  });

  test('an alert raised again while open counts an occurrence and keeps the worst severity', async () => {
    const raise = (severity: 'info' | 'warning' | 'critical') => store.write((tx) => raiseAlert(tx, { merchantId: 'm_a', kind: 'terminal.offline', severity, dedupeKey: 'terminal:t_1', subject: 't_1', detail: { minutes: 12 } }));
    await raise('warning');
    await raise('critical');
    await raise('info');
    let rows = await store.db.selectFrom('alerts').selectAll().where('dedupe_key', '=', 'terminal:t_1').execute();
    assert.deepEqual(rows.map((r) => [r.state, r.severity, r.occurrences]), [['open', 'critical', 3]]);
    await store.write((tx) => tx.updateTable('alerts').set({ state: 'resolved' }).where('dedupe_key', '=', 'terminal:t_1').execute());
    await raise('warning');
    rows = await store.db.selectFrom('alerts').selectAll().where('dedupe_key', '=', 'terminal:t_1').orderBy('created_at').execute();
    assert.deepEqual(rows.map((r) => r.state).sort(), ['open', 'resolved'], 'once resolved, the same problem opens a new alert');
  });
});
