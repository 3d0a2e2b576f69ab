/**
 * Long crash runs: `node --import tsx scripts/crash.ts --store sqlite --kills 50 --clients 8`.
 * Prints a progress line per kill and the final JSON report; exits 1 when an invariant broke.
 */
import { parseArgs } from 'node:util';
import { killCrashChildren, runCrashTest } from '../test/crash/crash-driver.ts';

function num(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`crash: --${name} must be a number ≥ 0, got "${v}"\n`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    kills: { type: 'string' },
    clients: { type: 'string' },
    seed: { type: 'string' },
    'latency-ms': { type: 'string' },
    'error-rate': { type: 'string' },
    'lost-reply-rate': { type: 'string' },
    'user-paying-ms': { type: 'string' },
    'drain-timeout-s': { type: 'string' },
    'keep-tmp': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(`usage: node --import tsx scripts/crash.ts [--store sqlite|pg] [--kills 50] [--clients 8] [--seed N]
  [--latency-ms 20] [--error-rate 0.02] [--lost-reply-rate 0.02] [--user-paying-ms 1500] [--drain-timeout-s 90] [--keep-tmp]
PostgreSQL: SAOMA_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test); a fresh schema is used and dropped.
`);
  process.exit(0);
}
if (values.store !== 'sqlite' && values.store !== 'pg') {
  process.stderr.write(`crash: --store must be sqlite or pg, got "${values.store}"\n`);
  process.exit(2);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killCrashChildren();
    process.exit(130);
  });
}

const faults: Record<string, number> = {};
if (values['latency-ms'] !== undefined) faults.latencyMs = num(values['latency-ms'], 'latency-ms', 0);
if (values['error-rate'] !== undefined) faults.errorRate = num(values['error-rate'], 'error-rate', 0);
if (values['lost-reply-rate'] !== undefined) faults.lostReplyRate = num(values['lost-reply-rate'], 'lost-reply-rate', 0);
if (values['user-paying-ms'] !== undefined) faults.userPayingMs = num(values['user-paying-ms'], 'user-paying-ms', 0);

const started = Date.now();
const report = await runCrashTest({
  store: values.store,
  kills: num(values.kills, 'kills', 50),
  clients: num(values.clients, 'clients', 8),
  ...(values.seed !== undefined ? { seed: num(values.seed, 'seed', 0) } : {}),
  faults,
  drainTimeoutMs: num(values['drain-timeout-s'], 'drain-timeout-s', 90) * 1000,
  keepTmp: values['keep-tmp'],
  log: (s) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}\n`),
});
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(report.ok ? 'crash test passed\n' : `crash test FAILED: ${report.failures.length} problem(s)${report.tmpDir ? `; files kept in ${report.tmpDir}` : ''}\n`);
process.exit(report.ok ? 0 : 1);
