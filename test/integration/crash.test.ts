import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrashTest } from '../crash/crash-driver.ts';
import { TEST_STORE } from '../helpers/store.ts';

/**
 * The bounded CI form of the crash test (scripts/crash.ts runs long ones): a real gateway process is
 * SIGKILLed at random moments and restarted while clients keep taking payments; afterwards every
 * acknowledged payment exists, is final and agrees with the sandbox wallet, nothing was charged twice,
 * and `saoma ledger check` passes. No timing is asserted.
 */
test(`crash test on ${TEST_STORE}: SIGKILL the gateway 8 times under 4 clients`, { timeout: 170_000 }, async (t) => {
  const lines: string[] = [];
  const report = await runCrashTest({ store: TEST_STORE, kills: 8, clients: 4, log: (s) => lines.push(s) });
  const summary = {
    seed: report.seed, acknowledged: report.payments.acknowledged, byState: report.payments.byState, restarts: report.restarts,
    retries: report.retries.total, maxTimeToFinalMs: report.maxTimeToFinalMs, drainMs: report.drainMs, durationMs: report.durationMs,
  };
  t.diagnostic(JSON.stringify(summary));
  for (const w of report.warnings) t.diagnostic(`warning: ${w}`);
  assert.ok(report.payments.acknowledged > 0, 'no payment was acknowledged at all');
  assert.ok(report.ok, `crash test found ${report.failures.length} problem(s) (seed ${report.seed}, files in ${report.tmpDir}):\n${report.failures.join('\n')}\n` +
    `evidence:\n${JSON.stringify(report.evidence, null, 2)}\nprogress:\n${lines.join('\n')}`);
});
