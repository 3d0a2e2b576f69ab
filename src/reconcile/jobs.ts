import { SaomaError } from '../core/errors.ts';
import type { JobOutcome } from '../jobs/runner.ts';
import type { Runtime } from '../runtime.ts';
import type { Reconciler } from './run.ts';
import { BILL_WALLETS, addDays, isDay, readyAt, walletDate } from './settings.ts';

export const RECONCILE_JOB = 'reconcile.day';

/**
 * The daily reconciliation as durable jobs: a planner makes one job per merchant × wallet account ×
 * wallet day (for yesterday and a few days back, in case the server was down), due at the bill's ready
 * hour; the job reads the bill and reconciles. A bill not there yet (or an empty bill while our books
 * have trades for the day, before the give-up hour) is tried again later. The job queue's lease makes
 * exactly one instance run a given job.
 */
export function registerReconcileJobs(rt: Runtime, reconciler: Reconciler): void {
  const s = reconciler.settings;
  let lastPlanned = 0;
  rt.jobRunner.addPlanner({
    name: 'reconcile',
    async plan(now) {
      if (!s.auto || now.getTime() - lastPlanned < 10 * 60_000) return;
      lastPlanned = now.getTime();
      const accounts = await rt.store.db.selectFrom('channel_accounts').select(['merchant_id', 'channel'])
        .where('enabled', '=', 1).where('channel', 'in', Object.keys(BILL_WALLETS)).execute();
      for (const a of accounts) {
        const today = walletDate(a.channel, now);
        for (let back = s.catchUpDays; back >= 1; back--) {
          const day = addDays(today, -back);
          await rt.jobs.ensure({ kind: RECONCILE_JOB, key: `${a.merchant_id}:${a.channel}:${day}`, runAt: readyAt(a.channel, day, s), payload: { merchantId: a.merchant_id, channel: a.channel, day } });
        }
      }
    },
  });
  rt.jobRunner.register({
    kind: RECONCILE_JOB,
    leaseMs: 5 * 60_000,
    async run(_job, payload): Promise<JobOutcome> {
      const p = payload as { merchantId?: unknown; channel?: unknown; day?: unknown };
      if (typeof p?.merchantId !== 'string' || typeof p.channel !== 'string' || !isDay(p.day)) return { failed: 'payload is not {merchantId, channel, day}' };
      const retry = (reason: string): JobOutcome => ({ retryAt: new Date(Date.now() + 30 * 60_000), reason });
      const giveUp = readyAt(p.channel, p.day, s).getTime() + s.giveUpHours * 3_600_000;
      try {
        const run = await reconciler.run({ merchantId: p.merchantId, channel: p.channel, day: p.day, source: { kind: 'download' }, actor: { kind: 'system', id: 'reconcile', name: 'daily reconciliation' } });
        const sum = JSON.parse(run.summary ?? '{}') as { wallet?: { lines?: number }; saoma?: { payments?: number; refunds?: number } };
        // An empty bill while our books have money that day is most likely a bill not generated yet.
        if ((sum.wallet?.lines ?? 0) === 0 && ((sum.saoma?.payments ?? 0) + (sum.saoma?.refunds ?? 0)) > 0 && Date.now() < giveUp) return retry('the bill is empty while our books have trades: not ready yet');
        return { done: { runId: run.id, summary: sum } };
      } catch (e) {
        if (e instanceof SaomaError && e.code === 'reconcile_running') return retry(e.message);
        if (e instanceof SaomaError && e.code === 'no_bill_for_channel') return { failed: e.message };
        // Unreadable or unreachable bills are tried again: downloads break off, wallets have bad hours.
        return retry((e as Error).message);
      }
    },
  });
}
