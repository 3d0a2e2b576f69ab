/**
 * What a benchmark scenario is. `bench/run.ts` measures every scenario listed in
 * `bench/scenarios/index.ts` right after the ceilings of `bench/ceilings.ts`, and reports it as ratios
 * against them (research/performance.md, Part 3: never compare absolute req/s across runs).
 *
 * A scenario should start its server in a child process (see `startChild` in `bench/child.ts`), so
 * that the server and the load generator, which runs in the harness process, do not share an event
 * loop.
 */

/** One HTTP request, built fresh for every send. `Content-Length` is set by the load generator. */
export interface BenchRequest {
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RunningScenario {
  /** Base URL of the server under test, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /**
   * Builds request number `i`. `i` grows by one for every request the harness sends to this running
   * server, across warm-up, closed-loop and open-loop phases, so `i` can make idempotency keys and
   * `outTradeNo`s unique. Called at send time, so timestamps in signatures are fresh.
   */
  request(i: number): BenchRequest;
  stop(): Promise<void>;
  /**
   * Called once after all load phases, before `stop()`. Whatever it returns is printed and put in the
   * JSON. If it returns a numeric `rows` (rows written by the measured requests), the harness checks
   * `2xx replies ≤ rows ≤ requests sent − non-2xx replies` (requests still in flight when a closed-loop
   * phase ends may have been written without their reply being counted). If it returns `ok: false`
   * (say, the ledger does not sum to zero), the run is reported as failed.
   */
  check?(): Promise<Record<string, unknown>>;
}

export interface Scenario {
  name: string;
  store: 'sqlite' | 'pg';
  start(): Promise<RunningScenario>;
}
