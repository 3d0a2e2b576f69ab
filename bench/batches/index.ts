import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Batch benchmarks: work that is not a stream of HTTP requests (a day's reconciliation). Each reports
 * its throughput as a ratio to a bare baseline measured in the same run, and its peak memory.
 */
export interface Batch {
  name: string;
  store: 'sqlite' | 'pg';
  run(): Promise<Record<string, number | string | boolean>>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = (args: string[], node: string[] = []) => new Promise<Record<string, number | string | boolean>>((resolve, reject) => {
  execFile(process.execPath, [...node, '--import', 'tsx', join(root, 'bench/batches/reconcile-child.ts'), ...args], { cwd: root, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
    if (err) return reject(new Error(`${err.message}\n${stderr}`));
    try { resolve(JSON.parse(stdout.trim().split('\n').pop()!)); } catch (e) { reject(e); }
  });
});

/**
 * BENCH_RECONCILE_ROWS (default 1,000,000) lines of a WeChat bill against as many trades in our books
 * (SQLite): seeded in one process, then in a fresh one (its JavaScript heap capped at 128 MB) a bare
 * parse-and-count of the file and the reconciliation of it, so the peak RSS is the reconciliation's.
 */
const HEAP_MB = 128;

export const reconcileBatch: Batch = {
  name: 'reconcile-1m',
  store: 'sqlite',
  async run() {
    const rows = Number(process.env.BENCH_RECONCILE_ROWS ?? 1_000_000);
    const dir = mkdtempSync(join(tmpdir(), 'saoma-bench-rc-'));
    try {
      const seeded = await child(['seed', dir, 'wechat', '2026-12-01', String(rows)]);
      // A JavaScript heap far smaller than the file (a 1M-line bill is ~240 MB): it only completes if the bill is streamed.
      const r = await child(['run', dir, 'wechat', '2026-12-01', String(seeded.file)], [`--max-old-space-size=${HEAP_MB}`]);
      const lines = Number(r.lines);
      const linesPerSec = lines / Number(r.reconcileSeconds);
      const parsePerSec = lines / Number(r.parseSeconds);
      return {
        lines, seconds: Number(r.reconcileSeconds), linesPerSec: Math.round(linesPerSec), parseLinesPerSec: Math.round(parsePerSec),
        ratioToParse: Number((linesPerSec / parsePerSec).toFixed(3)), peakRssMB: Number(r.peakRssMB), heapCapMB: HEAP_MB,
        ok: r.matched === lines && r.open === 0 && r.ledgerOk === true,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const batches: Batch[] = [reconcileBatch];
