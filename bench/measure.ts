/**
 * Measures one target (a ceiling or a scenario) the same way every time: start it, warm up, run the
 * closed loop `runs` times, offer an open-loop rate of `openFraction` × its own median, ask it to
 * check itself, stop it.
 */
import { closedLoop, openLoop, type ClosedLoopResult, type OpenLoopResult } from './load.ts';
import type { RunningScenario } from './scenario.ts';

export interface Target {
  name: string;
  kind: 'ceiling' | 'scenario';
  store: 'none' | 'sqlite' | 'pg';
  start(): Promise<RunningScenario & { constantRequest?: boolean }>;
}

export interface Settings {
  seconds: number;
  runs: number;
  warmupSeconds: number;
  connections: number;
  openSeconds: number;
  openFraction: number;
  openMaxRate: number;
}

export interface Measurement {
  name: string;
  kind: Target['kind'];
  store: Target['store'];
  /** Set when the target could not be measured. */
  error?: string;
  /** Medians over the closed-loop runs. */
  closed?: { reqPerSec: number; p50: number; p99: number; runs: ClosedLoopResult[] };
  open?: OpenLoopResult & { fractionOfMax: number };
  check?: Record<string, unknown>;
  /** Totals over every phase, warm-up included, for the rows check. */
  totals: { sent: number; ok: number; non2xx: number; errors: number };
  /** `rows` from check() against the replies seen; undefined when the target reports no rows. */
  rowsConsistent?: boolean;
  /** False when check() returned `ok: false` or `rows` is inconsistent. */
  checkPassed?: boolean;
}

export type Phase = (label: string, seconds: number) => void;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function measure(target: Target, settings: Settings, phase: Phase): Promise<Measurement> {
  const m: Measurement = { name: target.name, kind: target.kind, store: target.store, totals: { sent: 0, ok: 0, non2xx: 0, errors: 0 } };
  phase('starting', 0);
  let running: Awaited<ReturnType<Target['start']>>;
  try {
    running = await target.start();
  } catch (e) {
    m.error = `start failed: ${e instanceof Error ? e.message : String(e)}`;
    return m;
  }
  const load = { url: running.url, request: (i: number) => running.request(i), constantRequest: running.constantRequest ?? false };
  let index = 0;
  const count = (r: { sent: number; ok: number; non2xx: number; errors: number; nextIndex: number }): void => {
    m.totals.sent += r.sent;
    m.totals.ok += r.ok;
    m.totals.non2xx += r.non2xx;
    m.totals.errors += r.errors;
    index = r.nextIndex;
  };
  try {
    if (settings.warmupSeconds > 0) {
      phase('warm-up', settings.warmupSeconds);
      count(await closedLoop({ ...load, startIndex: index, seconds: settings.warmupSeconds, connections: settings.connections }));
    }
    const runs: ClosedLoopResult[] = [];
    for (let r = 1; r <= settings.runs; r++) {
      phase(settings.runs > 1 ? `closed loop ${r}/${settings.runs}` : 'closed loop', settings.seconds);
      const res = await closedLoop({ ...load, startIndex: index, seconds: settings.seconds, connections: settings.connections });
      count(res);
      runs.push(res);
    }
    m.closed = {
      reqPerSec: median(runs.map((r) => r.reqPerSec)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      runs,
    };
    const rate = Math.min(settings.openMaxRate, Math.round(settings.openFraction * m.closed.reqPerSec));
    if (rate >= 1 && settings.openSeconds > 0) {
      phase(`open loop @ ${rate}/s`, settings.openSeconds);
      const open = await openLoop({ ...load, startIndex: index, seconds: settings.openSeconds, rate });
      count(open);
      m.totals.errors += open.unanswered;
      m.open = { ...open, fractionOfMax: rate / m.closed.reqPerSec };
    }
    if (running.check) {
      phase('checking', 0);
      m.check = await running.check();
      const rows = m.check.rows;
      if (typeof rows === 'number') m.rowsConsistent = m.totals.ok <= rows && rows <= m.totals.sent - m.totals.non2xx;
      m.checkPassed = m.check.ok !== false && m.rowsConsistent !== false;
    }
  } catch (e) {
    m.error = e instanceof Error ? e.message : String(e);
  } finally {
    phase('stopping', 0);
    await running.stop().catch((e: unknown) => {
      m.error ??= `stop failed: ${e instanceof Error ? e.message : String(e)}`;
    });
  }
  return m;
}
