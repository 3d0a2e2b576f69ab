/**
 * The ceilings every benchmark is reported against (research/performance.md, Parts 2 and 3): small
 * Fastify servers that do only the unavoidable work, each started in its own child process on a
 * random 127.0.0.1 port.
 *
 *   C_http   hello               GET → {hello:'world'}
 *   C_ins_1  sqlite-full         POST + validate + 1 INSERT in its own transaction, WAL, synchronous=FULL
 *   C_ins    sqlite-batch-full   same, group commit (one transaction per event-loop turn, SAVEPOINT per request)
 *   C_pg     pg                  same single INSERT, autocommit on PostgreSQL (pool 10, synchronous_commit=on)
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startChild } from './child.ts';
import type { CeilingMode } from './ceiling-server.ts';
import type { BenchRequest, RunningScenario } from './scenario.ts';

export type { CeilingMode };

const serverEntry = fileURLToPath(new URL('./ceiling-server.ts', import.meta.url));

export interface RunningCeiling extends RunningScenario {
  /** The request never changes, so the load generator may build it once. */
  constantRequest: boolean;
}

export interface Ceiling {
  name: CeilingMode;
  symbol: 'C_http' | 'C_ins_1' | 'C_ins' | 'C_pg';
  store: 'none' | 'sqlite' | 'pg';
  description: string;
  start(): Promise<RunningCeiling>;
}

/** Starts one ceiling server in a child process. */
export async function startCeiling(mode: CeilingMode, env: NodeJS.ProcessEnv = {}): Promise<RunningCeiling> {
  const child = await startChild(serverEntry, [mode], { env });
  const check = async (): Promise<Record<string, unknown>> => (await child.call('stats')) as Record<string, unknown>;
  if (mode === 'hello') {
    const hello: BenchRequest = { method: 'GET', path: '/', headers: {} };
    return { url: child.url, constantRequest: true, request: () => hello, stop: () => child.stop() };
  }
  // The tag keeps outTradeNo unique even if two runs ever shared a table.
  const tag = randomBytes(3).toString('hex');
  return {
    url: child.url,
    constantRequest: false,
    request: (i) => ({
      method: 'POST',
      path: '/orders',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ merchantId: 'm-bench', outTradeNo: `${tag}-${i}`, amount: 100 + (i % 10_000), currency: 'CNY', subject: 'bench order' }),
    }),
    check,
    stop: () => child.stop(),
  };
}

const ceiling = (name: CeilingMode, symbol: Ceiling['symbol'], store: Ceiling['store'], description: string): Ceiling => ({
  name,
  symbol,
  store,
  description,
  start: () => startCeiling(name),
});

export const ceilings: Ceiling[] = [
  ceiling('hello', 'C_http', 'none', 'GET, JSON {hello:"world"}'),
  ceiling('sqlite-full', 'C_ins_1', 'sqlite', 'POST + 1 INSERT, own tx, WAL + FULL'),
  ceiling('sqlite-batch-full', 'C_ins', 'sqlite', 'same, group commit, FULL'),
  ceiling('pg', 'C_pg', 'pg', '1 INSERT autocommit, pool 10, synchronous_commit=on'),
];
