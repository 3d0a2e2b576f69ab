/**
 * `npm run bench [-- name ...]`: measures the ceilings, then every scenario of bench/scenarios, and
 * prints one table of ratios against the ceilings of this same run, then one JSON line with every
 * number. Absolute req/s drift up to 1.8× between runs on this kind of VM; the ratios are the result.
 *
 * Environment (seconds unless noted):
 *   BENCH_SECONDS=5         each closed-loop run
 *   BENCH_RUNS=1            closed-loop runs per target (median reported)
 *   BENCH_WARMUP_SECONDS=1  closed-loop warm-up, not reported
 *   BENCH_CONNECTIONS=50    closed-loop connections
 *   BENCH_OPEN_SECONDS      open-loop duration (default BENCH_SECONDS)
 *   BENCH_OPEN_FRACTION=0.5 open-loop rate as a fraction of the target's own closed-loop req/s
 *   BENCH_OPEN_MAX_RATE=10000  cap on that rate (a Node generator on 2 cores lags beyond it)
 *   BENCH_PG_URL            PostgreSQL for the `pg` ceiling (default postgres://postgres@127.0.0.1:5432/test)
 */
import { cpus } from 'node:os';
import { ceilings, type Ceiling } from './ceilings.ts';
import { measure, type Measurement, type Settings, type Target } from './measure.ts';
import { scenarios } from './scenarios/index.ts';
import { batches } from './batches/index.ts';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}

const seconds = envNumber('BENCH_SECONDS', 5);
const settings: Settings = {
  seconds,
  runs: Math.max(1, Math.round(envNumber('BENCH_RUNS', 1))),
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1),
  connections: Math.max(1, Math.round(envNumber('BENCH_CONNECTIONS', 50))),
  openSeconds: envNumber('BENCH_OPEN_SECONDS', seconds),
  openFraction: envNumber('BENCH_OPEN_FRACTION', 0.5),
  openMaxRate: envNumber('BENCH_OPEN_MAX_RATE', 10_000),
};

const symbolOf = new Map<string, Ceiling['symbol']>(ceilings.map((c) => [c.name, c.symbol]));
const all: Target[] = [
  ...ceilings.map((c): Target => ({ name: c.name, kind: 'ceiling', store: c.store, start: () => c.start() })),
  ...scenarios.map((s): Target => ({ name: s.name, kind: 'scenario', store: s.store, start: () => s.start() })),
];

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const unknown = wanted.filter((w) => !all.some((t) => t.name === w) && !batches.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`unknown target(s): ${unknown.join(', ')}\navailable: ${all.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const targets = wanted.length > 0 ? all.filter((t) => wanted.includes(t.name)) : all;
const chosenBatches = wanted.length > 0 ? batches.filter((b) => wanted.includes(b.name)) : batches;

// ---------------------------------------------------------------------------------------------
// Progress, on stderr so stdout stays the report.

const tty = process.stderr.isTTY === true;
const startedAt = Date.now();
let ticker: NodeJS.Timeout | undefined;
function progress(n: number, name: string): (label: string, secs: number) => void {
  return (label, secs) => {
    if (ticker) clearInterval(ticker);
    const prefix = `[${n}/${targets.length}] ${name}: ${label}`;
    const elapsed = (): string => `${Math.round((Date.now() - startedAt) / 1000)}s elapsed`;
    if (!tty) {
      process.stderr.write(`${prefix}${secs > 0 ? ` (${secs}s)` : ''}\n`);
      return;
    }
    const until = Date.now() + secs * 1000;
    const draw = (): void => {
      const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      process.stderr.write(`\r\x1b[K${prefix}${secs > 0 ? ` · ${left}s left` : ''} · ${elapsed()}`);
    };
    draw();
    ticker = setInterval(draw, 500);
    ticker.unref();
  };
}

// ---------------------------------------------------------------------------------------------
// Report.

function ms(x: number | undefined, digits = 0): string {
  return x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);
}

function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function main(results: Measurement[], batchResults: Array<{ name: string; store: string; result?: Record<string, unknown>; error?: string }>): void {
  const ceilingValue = (name: string): number | undefined => results.find((r) => r.name === name)?.closed?.reqPerSec;
  const C = {
    C_http: ceilingValue('hello'),
    C_ins_1: ceilingValue('sqlite-full'),
    C_ins: ceilingValue('sqlite-batch-full'),
    C_pg: ceilingValue('pg'),
  };
  const ratio = (x: number | undefined, c: number | undefined): number | undefined =>
    x === undefined || !c ? undefined : x / c;
  const fmtRatio = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(2));

  const header = ['target', 'store', 'req/s', 'p50', 'p99', '×C_ins', '×C_ins_1', '×C_pg', 'open req/s', 'open p50', 'open p99', 'p99.9', 'gen lag', 'non2xx/err', 'check'];
  const right = [false, false, true, true, true, true, true, true, true, true, true, true, true, true, false];
  const rows: string[][] = [];
  const notes: string[] = [];
  let lagWarned = false;
  for (const r of results) {
    const symbol = symbolOf.get(r.name);
    const name = symbol ? `${r.name} (${symbol})` : r.name;
    if (r.error) notes.push(`${r.name}: ${r.error}`);
    if (!r.closed) {
      rows.push([name, r.store, 'failed', '', '', '', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    const x = r.closed.reqPerSec;
    const lagged = r.open !== undefined && r.open.lagMax > 10;
    lagWarned ||= lagged;
    const checkCell = r.checkPassed === undefined ? '–' : !r.checkPassed ? 'FAILED' : r.rowsConsistent ? 'rows ok' : 'ok';
    if (r.rowsConsistent === false) notes.push(`${r.name}: rows ${String(r.check?.rows)} outside [2xx ${r.totals.ok}, sent−non2xx ${r.totals.sent - r.totals.non2xx}]`);
    if (r.check?.ok === false) notes.push(`${r.name}: check failed: ${JSON.stringify(r.check)}`);
    rows.push([
      name,
      r.store,
      Math.round(x).toLocaleString('en-US'),
      ms(r.closed.p50),
      ms(r.closed.p99),
      fmtRatio(ratio(x, C.C_ins)),
      fmtRatio(ratio(x, C.C_ins_1)),
      fmtRatio(ratio(x, C.C_pg)),
      r.open ? Math.round(r.open.rate).toLocaleString('en-US') : '–',
      ms(r.open?.p50, 1),
      ms(r.open?.p99, 1),
      ms(r.open?.p99_9, 1),
      r.open ? `${ms(r.open.lagMax, 1)}${lagged ? ' ⚠' : ''}` : '–',
      `${r.totals.non2xx}/${r.totals.errors}`,
      checkCell,
    ]);
  }

  const out: string[] = [];
  out.push('');
  out.push(
    `Saoma bench · ${new Date().toISOString()} · node ${process.version} · ${cpus().length} cpu · ` +
      `closed loop: ${settings.connections} connections, ${settings.runs} × ${settings.seconds}s (median), warm-up ${settings.warmupSeconds}s · ` +
      `open loop: ${settings.openFraction} × own req/s (cap ${settings.openMaxRate}/s), ${settings.openSeconds}s`,
  );
  out.push('');
  out.push(table(header, rows, right));
  out.push('');
  out.push('req/s = 2xx replies per second, closed loop; p50/p99 in whole ms (autocannon). open p50/p99/p99.9 in ms from the scheduled');
  out.push('send time; gen lag = max ms the generator sent behind schedule. ×C_* = req/s over the ceiling of this same run:');
  out.push('C_ins = sqlite-batch-full, C_ins_1 = sqlite-full, C_pg = pg. non2xx/err and check cover every phase, warm-up included;');
  out.push('rows ok = 2xx ≤ rows written ≤ sent − non2xx; FAILED = check() said ok:false or the rows do not match.');
  if (lagWarned) out.push('⚠ the generator fell > 10 ms behind its schedule: those open-loop latencies are upper bounds.');
  for (const n of notes) out.push(`! ${n}`);
  if (batchResults.length > 0) {
    out.push('');
    out.push(table(['batch', 'store', 'lines', 'seconds', 'lines/s', 'parse lines/s', '×parse', 'peak RSS MB', 'check'],
      batchResults.map((b) => b.error ? [b.name, b.store, 'failed', '', '', '', '', '', ''] : [b.name, b.store, String(b.result!.lines), Number(b.result!.seconds).toFixed(2),
        Number(b.result!.linesPerSec).toLocaleString('en-US'), Number(b.result!.parseLinesPerSec).toLocaleString('en-US'), String(b.result!.ratioToParse), String(b.result!.peakRssMB), b.result!.ok ? 'ok' : 'FAILED']),
      [false, false, true, true, true, true, true, true, false]));
    out.push('×parse = reconciliation lines/s over a bare parse-and-count of the same file in the same run; peak RSS of the reconciling process.');
    for (const b of batchResults) if (b.error) out.push(`! ${b.name}: ${b.error}`);
  }
  out.push('');
  console.log(out.join('\n'));

  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    settings,
    ceilings: C,
    results: results.map((r) => ({
      name: r.name,
      kind: r.kind,
      store: r.store,
      symbol: symbolOf.get(r.name),
      error: r.error,
      reqPerSec: r.closed?.reqPerSec,
      p50: r.closed?.p50,
      p99: r.closed?.p99,
      ratio: { C_ins: ratio(r.closed?.reqPerSec, C.C_ins), C_ins_1: ratio(r.closed?.reqPerSec, C.C_ins_1), C_pg: ratio(r.closed?.reqPerSec, C.C_pg), C_http: ratio(r.closed?.reqPerSec, C.C_http) },
      closedRuns: r.closed?.runs.map(({ nextIndex: _, ...run }) => run),
      open: r.open && (({ nextIndex: _, ...o }) => o)(r.open),
      totals: r.totals,
      check: r.check,
      rowsConsistent: r.rowsConsistent,
      checkPassed: r.checkPassed,
    })),
    batches: batchResults,
  };
  console.log(JSON.stringify(json));
  if (results.some((r) => r.error !== undefined || r.checkPassed === false) || batchResults.some((b) => b.error || b.result?.ok === false)) process.exitCode = 1;
}

const results: Measurement[] = [];
for (const [i, t] of targets.entries()) results.push(await measure(t, settings, progress(i + 1, t.name)));
const batchResults: Array<{ name: string; store: string; result?: Record<string, unknown>; error?: string }> = [];
for (const b of chosenBatches) {
  process.stderr.write(`${tty ? '\r\x1b[K' : ''}batch ${b.name}: running\n`);
  try {
    batchResults.push({ name: b.name, store: b.store, result: await b.run() });
  } catch (e) {
    batchResults.push({ name: b.name, store: b.store, error: (e as Error).message.split('\n')[0]! });
  }
}
if (ticker) clearInterval(ticker);
process.stderr.write(`${tty ? '\r\x1b[K' : ''}done in ${Math.round((Date.now() - startedAt) / 1000)}s\n`);
main(results, batchResults);
