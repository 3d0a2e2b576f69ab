/**
 * The two ways load is offered (research/performance.md, Part 2.1):
 *
 * - `closedLoop`: autocannon with a fixed number of connections, each sending its next request when
 *   the previous reply arrives. Measures the ceiling (req/s). Its latencies suffer from coordinated
 *   omission, so they only describe a saturated server.
 * - `openLoop`: requests scheduled at a fixed rate and timed from their *scheduled* send time, so a
 *   stalled server or a late generator shows up in the latency instead of being hidden. The
 *   generator's own lag is reported, because on two cores it competes with the server for CPU.
 *
 * Both take a request factory, called once per request with a growing index, so every request can
 * carry its own body and headers (idempotency keys, signatures).
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { encodeRequest, Http1Pool } from './http-client.ts';
import type { BenchRequest } from './scenario.ts';

export type RequestFactory = (i: number) => BenchRequest;

export interface LoadOptions {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  request: RequestFactory;
  /** Index passed to the first `request()` call (default 0). */
  startIndex?: number;
  /** The factory always returns the same request: build it once. */
  constantRequest?: boolean;
  seconds: number;
}

export interface ClosedLoopResult {
  seconds: number;
  connections: number;
  /** 2xx replies per second of the run. */
  reqPerSec: number;
  /** Latency percentiles in ms (autocannon records whole milliseconds). */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  sent: number;
  ok: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** First request index not yet used. */
  nextIndex: number;
}

function withoutLength(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-length') out[k] = v;
  return out;
}

type Method = autocannon.Request['method'];

/** Closed loop: autocannon, `connections` (default 50) connections, no pipelining, for `seconds`. */
export async function closedLoop(opts: LoadOptions & { connections?: number }): Promise<ClosedLoopResult> {
  const connections = opts.connections ?? 50;
  let i = opts.startIndex ?? 0;
  const base: autocannon.Options = { url: opts.url, connections, duration: opts.seconds, timeout: 10 };
  let options: autocannon.Options;
  if (opts.constantRequest) {
    const r = opts.request(i++);
    options = { ...base, method: r.method as Method, headers: withoutLength(r.headers), body: r.body, requests: [{ path: r.path }] };
  } else {
    options = {
      ...base,
      requests: [
        {
          setupRequest: (req) => {
            const r = opts.request(i++);
            return { ...req, method: r.method as Method, path: r.path, headers: withoutLength(r.headers), body: r.body ?? '' };
          },
        },
      ],
    };
  }
  const res = await autocannon(options);
  return {
    seconds: res.duration,
    connections,
    reqPerSec: res['2xx'] / res.duration,
    p50: res.latency.p50,
    p90: res.latency.p90,
    p99: res.latency.p99,
    max: res.latency.max,
    sent: res.requests.sent,
    ok: res['2xx'],
    non2xx: res.non2xx,
    errors: res.errors,
    timeouts: res.timeouts,
    nextIndex: i,
  };
}

export interface OpenLoopResult {
  /** Offered rate, requests per second. */
  rate: number;
  seconds: number;
  /** Requests scheduled (rate × seconds); all of them are sent. */
  sent: number;
  ok: number;
  non2xx: number;
  /** Requests that failed without a reply (connection errors). */
  errors: number;
  /** Requests still unanswered `drainSeconds` after the last send. */
  unanswered: number;
  /** Latency from scheduled send time to the reply, ms, over all replies. */
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  /** How far behind schedule the generator sent, ms. Above ~10 ms it inflates the latencies. */
  lagP99: number;
  lagMax: number;
  peakConnections: number;
  nextIndex: number;
}

/** Nearest-rank percentile of the first `n` values of an ascending array. */
function percentile(sorted: Float64Array, n: number, p: number): number {
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
}

/**
 * Open loop: `rate` requests per second for `seconds`, each timed from its scheduled send time. A
 * request that finds no idle connection opens one (up to `maxConnections`, default 2048) or waits in
 * a queue; either way the wait counts in its latency.
 */
export async function openLoop(
  opts: LoadOptions & { rate: number; maxConnections?: number; drainSeconds?: number },
): Promise<OpenLoopResult> {
  const u = new URL(opts.url);
  const host = u.hostname;
  const port = Number(u.port || 80);
  const hostHeader = u.host;
  const total = Math.max(1, Math.round(opts.rate * opts.seconds));
  const interval = 1000 / opts.rate;
  const pool = new Http1Pool(host, port, opts.maxConnections ?? 2048);
  // Enough connections for the expected concurrency at a few ms of latency, opened before timing.
  await pool.warm(Math.min(256, Math.max(8, Math.ceil(opts.rate * 0.005))));

  let index = opts.startIndex ?? 0;
  const constant = opts.constantRequest ? encodeRequest(opts.request(index++), hostHeader) : undefined;
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  let replies = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let outstanding = 0;
  let closed = false;
  let wake: (() => void) | undefined;

  let k = 0;
  const t0 = performance.now() + 2;
  await new Promise<void>((scheduleDone) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      while (k < due) {
        const scheduled = t0 + k * interval;
        const buf = constant ?? encodeRequest(opts.request(index++), hostHeader);
        lags[k] = performance.now() - scheduled;
        k++;
        outstanding++;
        pool.send(buf, (status) => {
          if (closed) return;
          outstanding--;
          if (status < 0) errors++;
          else {
            latencies[replies++] = performance.now() - scheduled;
            if (status >= 200 && status < 300) ok++;
            else non2xx++;
          }
          if (outstanding === 0) wake?.();
        });
      }
      if (k >= total) return scheduleDone();
      setTimeout(tick, Math.max(0, t0 + k * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });

  const drainMs = (opts.drainSeconds ?? 10) * 1000;
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drainMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  const unanswered = outstanding;
  closed = true;
  pool.destroy();

  const sortedLat = latencies.subarray(0, replies).sort();
  const sortedLag = lags.sort();
  return {
    rate: opts.rate,
    seconds: opts.seconds,
    sent: total,
    ok,
    non2xx,
    errors,
    unanswered,
    p50: percentile(sortedLat, replies, 0.5),
    p90: percentile(sortedLat, replies, 0.9),
    p99: percentile(sortedLat, replies, 0.99),
    p99_9: percentile(sortedLat, replies, 0.999),
    max: replies ? sortedLat[replies - 1]! : NaN,
    lagP99: percentile(sortedLag, total, 0.99),
    lagMax: sortedLag[total - 1]!,
    peakConnections: pool.peakConnections,
    nextIndex: index,
  };
}
