import type { JobRow } from '../store/schema.ts';
import { nowIso, type Store, type Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';

export interface JobSpec {
  /** What runs it: the handler registered under this kind (`reconcile.day`, `settle.day`, `payout.send` …). */
  kind: string;
  /** Which one: unique within the kind (`<merchant>:<channel>:<date>`), so planning it twice makes one job. */
  key: string;
  runAt: Date;
  payload?: unknown;
}

/**
 * Durable jobs in the database. A job is unique per (kind, key); it is claimed with a lease (on
 * PostgreSQL with FOR UPDATE SKIP LOCKED), so among several instances exactly one runs it at a time, and
 * a job whose instance died is picked up again when its lease runs out.
 * States: due → running → done | failed, and running → due again for a retry.
 */
export class JobQueue {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  /** Plan a job; a no-op when (kind, key) exists, whatever its state. Returns whether it was new. */
  async ensure(spec: JobSpec, tx?: Tx): Promise<boolean> {
    const at = nowIso();
    const run = (t: Tx) => t.insertInto('jobs').values({
      id: newId('job'), kind: spec.kind, key: spec.key, payload: spec.payload === undefined ? null : JSON.stringify(spec.payload),
      state: 'due', run_at: spec.runAt.toISOString(), attempts: 0, lease_until: null, last_error: null, result: null, created_at: at, updated_at: at,
    }).onConflict((oc) => oc.columns(['kind', 'key']).doNothing()).executeTakeFirst();
    const r = tx ? await run(tx) : await this.store.write(run);
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Run a job (again) now or at `runAt`, whatever state it ended in: re-running a day is how a merchant asks twice. */
  async rerun(spec: JobSpec): Promise<void> {
    await this.ensure(spec);
    await this.store.write((tx) => tx.updateTable('jobs')
      .set({ state: 'due', run_at: spec.runAt.toISOString(), updated_at: nowIso(), ...(spec.payload === undefined ? {} : { payload: JSON.stringify(spec.payload) }) })
      .where('kind', '=', spec.kind).where('key', '=', spec.key).where('state', '!=', 'running').execute());
  }

  /** Claim due jobs of these kinds (and running ones whose lease ran out). */
  async claim(kinds: readonly string[], limit: number, leaseMs: number): Promise<JobRow[]> {
    if (kinds.length === 0) return [];
    const now = nowIso();
    const lease = new Date(Date.now() + leaseMs).toISOString();
    return this.store.write(async (tx) => {
      let q = tx.selectFrom('jobs').selectAll().where('kind', 'in', kinds)
        .where((eb) => eb.or([
          eb.and([eb('state', '=', 'due'), eb('run_at', '<=', now)]),
          eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now)]),
        ]))
        .orderBy('run_at').limit(limit);
      if (this.store.flavor === 'pg') q = q.forUpdate().skipLocked();
      const rows = await q.execute();
      if (rows.length === 0) return [];
      await tx.updateTable('jobs').set((eb) => ({ state: 'running', lease_until: lease, attempts: eb('attempts', '+', 1), updated_at: now }))
        .where('id', 'in', rows.map((r) => r.id)).execute();
      return rows.map((r) => ({ ...r, state: 'running', lease_until: lease, attempts: r.attempts + 1 }));
    });
  }

  /** Keep a long job's lease; false when it was lost (another instance took the job over). */
  async renew(job: JobRow, leaseMs: number): Promise<boolean> {
    const lease = new Date(Date.now() + leaseMs).toISOString();
    const r = await this.store.write((tx) => tx.updateTable('jobs').set({ lease_until: lease })
      .where('id', '=', job.id).where('state', '=', 'running').where('attempts', '=', job.attempts).executeTakeFirst());
    return Number(r.numUpdatedRows) === 1;
  }

  /** Settle a claimed job; `attempts` guards against an instance whose lease lapsed and was taken over. */
  async settle(job: JobRow, outcome: { state: 'done'; result: unknown } | { state: 'due'; runAt: Date; error: string } | { state: 'failed'; error: string }): Promise<void> {
    const at = nowIso();
    const set = outcome.state === 'done'
      ? { state: 'done', result: JSON.stringify(outcome.result ?? null), last_error: null, lease_until: null, updated_at: at }
      : outcome.state === 'due'
      ? { state: 'due', run_at: outcome.runAt.toISOString(), last_error: outcome.error, lease_until: null, updated_at: at }
      : { state: 'failed', last_error: outcome.error, lease_until: null, updated_at: at };
    await this.store.write((tx) => tx.updateTable('jobs').set(set)
      .where('id', '=', job.id).where('state', '=', 'running').where('attempts', '=', job.attempts).execute());
  }

  async get(kind: string, key: string): Promise<JobRow | undefined> {
    return this.store.db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('key', '=', key).executeTakeFirst();
  }
}
