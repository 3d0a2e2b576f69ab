/**
 * The crash test: payments run against a REAL gateway process that is killed with SIGKILL at random
 * moments and restarted, many times, while the sandbox wallet runs as its own process (it outlives
 * every gateway kill, as a real wallet does). At the end it proves:
 *  - every acknowledged payment exists (and an acknowledged final answer never changed);
 *  - every payment is final;
 *  - no trade was charged twice at the wallet;
 *  - the wallet and we agree: money kept by the wallet ⇔ our payment succeeded, for the same amount,
 *    and no trade is left open at the wallet behind a final payment of ours;
 *  - the books balance (`saoma ledger check` exits 0);
 *  - the gateway never died by itself (no crash on restart) and no request got an unexpected refusal.
 *
 * Used by test/integration/crash.test.ts (bounded CI form) and scripts/crash.ts (long runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SandboxChannel } from '../../src/channels/sandbox/adapter.ts';
import type { TradeStatus } from '../../src/channels/channel.ts';
import { Store } from '../../src/store/db.ts';
import type { PaymentRow } from '../../src/store/schema.ts';
import { PG_URL } from '../helpers/store.ts';
import { freePort } from '../helpers/server.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const GUARD = pathToFileURL(join(ROOT, 'test', 'crash', 'orphan-guard.ts')).href;
const SANDBOX_KEY = 'saoma-sandbox-key';
const FINAL = new Set(['succeeded', 'failed', 'closed', 'reversed']);
const NON_FINAL = ['created', 'pending', 'waiting_customer', 'unknown'];

export interface WalletFaults {
  latencyMs: number;
  errorRate: number;
  lostReplyRate: number;
  userPayingMs: number;
}

export interface CrashOptions {
  store: 'sqlite' | 'pg';
  /** How many times the gateway is SIGKILLed (and restarted). */
  kills: number;
  /** Concurrent client loops creating payments. */
  clients: number;
  /** Seeds the choice of scenarios, amounts and kill moments (timing still varies run to run). */
  seed?: number;
  log?: (s: string) => void;
  /** Sandbox wallet faults during the run (reset to none for the drain and the checks). */
  faults?: Partial<WalletFaults>;
  /** Bound on waiting for every payment to be final after the last kill. */
  drainTimeoutMs?: number;
  /** PostgreSQL server (a fresh schema is created in it and dropped afterwards). */
  pgUrl?: string;
  /** Keep the temp folder (logs, SQLite files) even when the run passed. */
  keepTmp?: boolean;
}

export type Scenario = 'code_00' | 'code_01' | 'code_02' | 'code_03' | 'code_04' | 'code_05' | 'qr_pay' | 'qr_expire';

const SCENARIO_WEIGHTS: Array<[Scenario, number]> = [
  ['code_00', 24], ['code_01', 8], ['code_02', 14], ['code_03', 8], ['code_04', 10], ['code_05', 6], ['qr_pay', 18], ['qr_expire', 12],
];

export interface Evidence {
  problem: string;
  paymentId: string | null;
  outTradeNo: string;
  scenario: Scenario | null;
  acknowledged: { status: number; state: string } | null;
  payment: Pick<PaymentRow, 'state' | 'method' | 'amount' | 'created_at' | 'final_at' | 'failure_code' | 'failure_message' | 'attempts' | 'next_poll_at' | 'lease_until' | 'reverse_after'> | null;
  events: Array<{ from: string; to: string; source: string; detail: string | null; at: string }>;
  walletCharges: { charged: number; times_charged: number; returned: number } | null;
  walletStatus: string | null;
}

export interface Report {
  ok: boolean;
  failures: string[];
  warnings: string[];
  store: 'sqlite' | 'pg';
  seed: number;
  clients: number;
  kills: number;
  killsWhileStarting: number;
  killsWhileServing: number;
  restarts: number;
  unexpectedGatewayExits: number;
  payments: {
    acknowledged: number;
    inDatabase: number;
    notAcknowledged: number;
    byState: Record<string, number>;
    byScenario: Record<string, Record<string, number>>;
  };
  retries: { connection: number; inProgress: number; serverError: number; total: number };
  unexpectedAnswers: number;
  scans: { attempted: number; paid: number; refused: number };
  wallet: { chargedTrades: number; maxTimesCharged: number; netCharged: number };
  maxTimeToFinalMs: number;
  /** The slowest payment to become final, with its history. */
  maxTimeToFinal: { id: string; scenario: Scenario | null; state: string; events: Evidence['events'] } | null;
  maxTimeToFinalByScenario: Record<string, number>;
  maxAckLatencyMs: number;
  drainMs: number;
  durationMs: number;
  ledger: { exitCode: number | null; result: unknown };
  workerErrors: { count: number; samples: string[] };
  evidence: Evidence[];
  tmpDir: string | null;
}

// ------------------------------------------------------------------------------------------ helpers

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));


/** The children's environment: ours, without any SAOMA_* setting of the caller leaking in. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('SAOMA_') || k === 'PORT' || k === 'HOST' || k === 'NODE_TEST_CONTEXT') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Every child we started, so they can all be SIGKILLed on any failure or exit. */
const live = new Set<ChildProcess>();
function killAll(): void {
  for (const c of live) {
    try { c.kill('SIGKILL'); } catch { /* already gone */ }
  }
}
process.on('exit', killAll);

/** SIGKILL every process the crash driver started (for a CLI's Ctrl-C handler). */
export function killCrashChildren(): void {
  killAll();
}

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startNode(args: string[], env: NodeJS.ProcessEnv, logFile: string, banner: string): Started {
  const fd = openSync(logFile, 'a');
  writeSync(fd, `\n----- ${banner} at ${new Date().toISOString()}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', GUARD, MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  live.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      r({ code, signal });
    });
  });
  return { child, exited };
}

async function stopProcess(s: Started, graceMs = 10_000): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
  await s.exited;
  clearTimeout(t);
}

async function httpJson(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try { body = text ? JSON.parse(text) : null; } catch { /* keep text */ }
  return { status: res.status, body };
}

/** The gateway, restartable; an exit we did not cause is recorded (a crash on restart) and restarted. */
class Gateway {
  private current: Started | null = null;
  private expected = new WeakSet<ChildProcess>();
  private incarnation = 0;
  startedAt = 0;
  restarts = 0;
  unexpectedExits: string[] = [];
  stopping = false;
  readonly url: string;
  private readonly args: string[];
  private readonly env: NodeJS.ProcessEnv;
  private readonly logFile: string;

  constructor(port: number, dataDir: string, env: NodeJS.ProcessEnv, logFile: string) {
    this.url = `http://127.0.0.1:${port}`;
    this.args = ['serve', '--port', String(port), '--data-dir', dataDir];
    this.env = env;
    this.logFile = logFile;
  }

  start(): void {
    this.incarnation++;
    const s = startNode(this.args, this.env, this.logFile, `gateway #${this.incarnation}`);
    const n = this.incarnation;
    this.current = s;
    this.startedAt = Date.now();
    void s.exited.then(({ code, signal }) => {
      if (this.expected.has(s.child)) return;
      this.unexpectedExits.push(`gateway #${n} exited by itself (code ${code}, signal ${signal}); see gateway.log`);
      if (!this.stopping && this.current === s) {
        this.restarts++;
        this.start();
      }
    });
  }

  /** SIGKILL, then start again at once. */
  async crash(): Promise<void> {
    const s = this.current!;
    this.expected.add(s.child);
    s.child.kill('SIGKILL');
    await s.exited;
    this.restarts++;
    this.start();
  }

  async healthy(): Promise<boolean> {
    try {
      const r = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await r.text();
      return r.ok;
    } catch {
      return false;
    }
  }

  async waitHealthy(limitMs = 60_000): Promise<void> {
    const end = Date.now() + limitMs;
    while (!(await this.healthy())) {
      if (Date.now() > end) throw new Error(`gateway not healthy after ${limitMs} ms; see ${this.logFile}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const s = this.current;
    if (!s) return;
    this.expected.add(s.child);
    await stopProcess(s);
  }
}

// ------------------------------------------------------------------------------------------ the run

interface Sent {
  outTradeNo: string;
  key: string;
  scenario: Scenario;
  amount: number;
  firstSentAt: number;
  ack: { status: number; id: string; state: string; at: number } | null;
}

export async function runCrashTest(opts: CrashOptions): Promise<Report> {
  const t0 = Date.now();
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = mulberry32(seed);
  const log = opts.log ?? (() => undefined);
  const faults: WalletFaults = { latencyMs: 20, errorRate: 0.02, lostReplyRate: 0.02, userPayingMs: 1500, ...opts.faults };
  const drainTimeoutMs = opts.drainTimeoutMs ?? 90_000;
  const tmp = mkdtempSync(join(tmpdir(), 'saoma-crash-'));
  const gatewayLog = join(tmp, 'gateway.log');
  const walletLog = join(tmp, 'wallet.log');
  const tag = randomBytes(3).toString('hex');

  const failures: string[] = [];
  const warnings: string[] = [];
  const evidence: Evidence[] = [];
  let schema: string | null = null;
  const pgBase = opts.pgUrl ?? PG_URL;
  let wallet: Started | null = null;
  let gateway: Gateway | null = null;
  let hardStop = false;
  let passed = false;
  let openStore: Store | null = null;

  try {
    // ---- database
    let databaseUrl = `sqlite:${join(tmp, 'saoma.db')}`;
    if (opts.store === 'pg') {
      schema = `crash_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgBase });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const sep = pgBase.includes('?') ? '&' : '?';
      databaseUrl = `${pgBase}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }

    // ---- sandbox wallet, its own process for the whole run
    const walletPort = await freePort();
    const walletUrl = `http://127.0.0.1:${walletPort}/sandbox/wallet`;
    wallet = startNode(['sandbox-wallet', '--port', String(walletPort), '--db', join(tmp, 'wallet.db')], childEnv({ SAOMA_SANDBOX_KEY: SANDBOX_KEY }), walletLog, 'sandbox wallet');
    for (let end = Date.now() + 30_000; ;) {
      try {
        if ((await httpJson(`${walletUrl}/faults`, {}, 1000)).status === 200) break;
      } catch { /* not up yet */ }
      if (wallet.child.exitCode !== null || Date.now() > end) throw new Error(`sandbox wallet did not start; see ${walletLog}`);
      await sleep(50);
    }
    const setFaults = async (f: Partial<WalletFaults>) => {
      const r = await httpJson(`${walletUrl}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
      if (r.status !== 200) throw new Error(`could not set wallet faults: ${r.status}`);
    };
    await setFaults(faults);

    // ---- gateway
    const gatewayPort = await freePort();
    gateway = new Gateway(gatewayPort, tmp, childEnv({
      SAOMA_ENV: 'test',
      SAOMA_SANDBOX: '1',
      SAOMA_SANDBOX_URL: walletUrl,
      SAOMA_SANDBOX_KEY: SANDBOX_KEY,
      SAOMA_QUERY_INTERVAL_MS: '200',
      SAOMA_WORKER_INTERVAL_MS: '50',
      SAOMA_PAYCODE_GIVEUP_SECONDS: '3',
      SAOMA_QR_TTL_SECONDS: '10',
      ...(opts.store === 'pg' ? { SAOMA_DATABASE_URL: databaseUrl } : {}),
    }), gatewayLog);
    const gw = gateway;
    gw.start();
    await gw.waitHealthy();
    const credsFile = join(tmp, 'demo-credentials.json');
    if (!existsSync(credsFile)) throw new Error('the gateway is up but wrote no demo-credentials.json');
    const creds = JSON.parse(readFileSync(credsFile, 'utf8')) as { merchantId: string; terminalToken: string };
    log(`crash test: store ${opts.store}, seed ${seed}, ${opts.clients} clients, ${opts.kills} kills; gateway ${gw.url}, wallet ${walletUrl}, files in ${tmp}`);

    // ---- clients
    const sent: Sent[] = [];
    const stats = { connection: 0, inProgress: 0, serverError: 0 };
    const unexpected: string[] = [];
    const serverErrorSamples: string[] = [];
    const scans = { attempted: 0, paid: 0, refused: 0 };
    const pendingScans = new Set<Promise<void>>();
    let counter = 0;
    let stopClients = false;

    const pick = (): Scenario => {
      const total = SCENARIO_WEIGHTS.reduce((s, [, w]) => s + w, 0);
      let x = rng() * total;
      for (const [s, w] of SCENARIO_WEIGHTS) {
        x -= w;
        if (x < 0) return s;
      }
      return 'code_00';
    };

    /** The same request (same key, same body) until the server gives a real answer. */
    const post = async (key: string, text: string): Promise<{ status: number; body: any }> => {
      for (;;) {
        if (hardStop) throw new Error('crash test stopped');
        try {
          const r = await httpJson(`${gw.url}/v1/payments`, {
            method: 'POST',
            headers: { authorization: `Bearer ${creds.terminalToken}`, 'content-type': 'application/json', 'idempotency-key': key },
            body: text,
          }, 20_000);
          if (r.status === 409 && r.body?.error?.code === 'idempotency_in_progress') {
            stats.inProgress++;
            await sleep(300 + rng() * 400);
            continue;
          }
          if (r.status >= 500) {
            stats.serverError++;
            if (serverErrorSamples.length < 5) serverErrorSamples.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
            await sleep(200);
            continue;
          }
          return r;
        } catch {
          stats.connection++;
          await sleep(100 + rng() * 150);
        }
      }
    };

    const scan = (qrCode: string) => {
      const p = (async () => {
        await sleep(100 + rng() * 2400);
        scans.attempted++;
        try {
          const r = await httpJson(`${walletUrl}/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr_code: qrCode }) });
          if (r.body?.code === 'SUCCESS') scans.paid++;
          else scans.refused++;
        } catch {
          scans.refused++;
        }
      })();
      pendingScans.add(p);
      void p.finally(() => pendingScans.delete(p));
    };

    const client = async (c: number) => {
      while (!stopClients && !hardStop) {
        const n = counter++;
        const scenario = pick();
        const amount = 100 + Math.floor(rng() * 19_900);
        const outTradeNo = `CR${tag}-${c}-${n}`;
        const key = `crash-${tag}-${n}`;
        const body: Record<string, unknown> = { outTradeNo, amount, currency: 'CNY', channel: 'sandbox' };
        if (scenario.startsWith('code_')) {
          let digits = '';
          for (let i = 0; i < 14; i++) digits += Math.floor(rng() * 10);
          Object.assign(body, { method: 'payment_code', authCode: `28${digits}${scenario.slice(5)}` });
        } else {
          body.method = 'dynamic_qr';
        }
        const s: Sent = { outTradeNo, key, scenario, amount, firstSentAt: Date.now(), ack: null };
        sent.push(s);
        let r: { status: number; body: any };
        try {
          r = await post(key, JSON.stringify(body));
        } catch {
          return;
        }
        if (r.status >= 200 && r.status < 300 && typeof r.body?.id === 'string') {
          s.ack = { status: r.status, id: r.body.id, state: r.body.state, at: Date.now() };
          if (scenario === 'qr_pay' && r.body.state === 'waiting_customer' && typeof r.body.qrCode === 'string') scan(r.body.qrCode);
        } else {
          unexpected.push(`${outTradeNo} (${scenario}): ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        }
        await sleep(rng() * 50);
      }
    };
    const clientLoops = Array.from({ length: opts.clients }, (_, i) => client(i));

    // ---- killer
    let killsWhileStarting = 0;
    let killsWhileServing = 0;
    for (let i = 1; i <= opts.kills; i++) {
      const delay = 200 + Math.floor(rng() * 1300);
      // Mostly a delay after the gateway is serving; sometimes counted from the spawn, so some kills land
      // during startup (migrations, resume, the first requests).
      const fromSpawn = rng() < 0.2;
      if (fromSpawn) await sleep(gw.startedAt + delay - Date.now());
      else {
        await gw.waitHealthy();
        await sleep(delay);
      }
      const serving = await gw.healthy();
      if (serving) killsWhileServing++;
      else killsWhileStarting++;
      await gw.crash();
      const acked = sent.filter((x) => x.ack).length;
      log(`kill ${i}/${opts.kills} (${serving ? 'serving' : 'starting'}, ${fromSpawn ? '+' : 'healthy+'}${delay} ms): sent ${sent.length}, acknowledged ${acked}, retries ${stats.connection + stats.inProgress + stats.serverError}`);
    }
    await gw.waitHealthy();

    // ---- stop clients: each finishes its current request (retrying until it is answered)
    stopClients = true;
    const clientsDone = Promise.all(clientLoops);
    let boundTimer: NodeJS.Timeout | undefined;
    const clientBound = new Promise<'timeout'>((r) => { boundTimer = setTimeout(() => r('timeout'), 60_000); });
    const finished = await Promise.race([clientsDone.then(() => 'done' as const), clientBound]);
    clearTimeout(boundTimer);
    if (finished === 'timeout') {
      hardStop = true;
      failures.push('clients could not get an answer for their last requests within 60 s');
      await clientsDone;
    }
    await Promise.all([...pendingScans]);
    await setFaults({ latencyMs: 0, errorRate: 0, lostReplyRate: 0 });
    log(`clients stopped: ${sent.length} payments sent, ${sent.filter((x) => x.ack).length} acknowledged; waiting for all to be final`);

    // ---- drain: every payment final, bounded
    const drainStart = Date.now();
    let nonFinal = -1;
    for (;;) {
      try {
        nonFinal = 0;
        for (const state of NON_FINAL) {
          const r = await httpJson(`${gw.url}/v1/payments?state=${state}&limit=200`, { headers: { authorization: `Bearer ${creds.terminalToken}` } });
          if (r.status !== 200) throw new Error(`list ${state}: ${r.status}`);
          nonFinal += (r.body.data as unknown[]).length;
        }
        if (nonFinal === 0) break;
      } catch {
        nonFinal = -1;
      }
      if (Date.now() - drainStart > drainTimeoutMs) break;
      await sleep(250);
    }
    const drainMs = Date.now() - drainStart;
    if (nonFinal !== 0) failures.push(`payments still not final ${Math.round(drainMs / 1000)} s after the last kill`);
    log(`drain: ${nonFinal === 0 ? 'all final' : 'NOT all final'} after ${drainMs} ms`);

    await gw.stop();
    for (const u of gw.unexpectedExits) failures.push(u);

    // ---- read our books
    const store = Store.open(databaseUrl);
    openStore = store;
    let rows: PaymentRow[];
    const eventsOf = async (id: string) => (await store.db.selectFrom('payment_events').selectAll().where('payment_id', '=', id).orderBy('id').execute())
      .map((e) => ({ from: e.from_state, to: e.to_state, source: e.source, detail: e.detail, at: e.at }));
    const problems: Array<{ problem: string; outTradeNo: string; row: PaymentRow | null }> = [];
    rows = await store.db.selectFrom('payments').selectAll().execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const byTradeNo = new Map(rows.map((r) => [r.out_trade_no, r]));
    const sentByTradeNo = new Map(sent.map((s) => [s.outTradeNo, s]));

    // ---- the wallet's books
    const chargesRes = await httpJson(`${walletUrl}/charges`);
    const charges = chargesRes.body as Array<{ mch_id: string; out_trade_no: string; charged: number; times_charged: number; returned: number }>;
    const chargeByTradeNo = new Map(charges.filter((c) => c.mch_id === creds.merchantId).map((c) => [c.out_trade_no, c]));
    const channel = new SandboxChannel({ baseUrl: walletUrl, mchId: creds.merchantId, key: SANDBOX_KEY });
    const walletStatus = new Map<string, TradeStatus>();
    const queue = [...rows];
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        let q: TradeStatus = { status: 'unknown', code: 'NOT_ASKED', message: '' };
        for (let i = 0; i < 5 && q.status === 'unknown'; i++) {
          try { q = await channel.query({ outTradeNo: r.out_trade_no }); } catch (e) { q = { status: 'unknown', code: 'ERROR', message: (e as Error).message }; }
        }
        walletStatus.set(r.out_trade_no, q);
      }
    }));

    // 1. every acknowledged payment exists, as acknowledged
    for (const s of sent) {
      if (!s.ack) continue;
      const row = byId.get(s.ack.id);
      if (!row) problems.push({ problem: `acknowledged payment ${s.ack.id} is missing`, outTradeNo: s.outTradeNo, row: null });
      else if (row.out_trade_no !== s.outTradeNo || row.amount !== s.amount) problems.push({ problem: 'acknowledged payment has another trade number or amount', outTradeNo: s.outTradeNo, row });
      else if (FINAL.has(s.ack.state) && row.state !== s.ack.state) problems.push({ problem: `acknowledged as ${s.ack.state}, now ${row.state}`, outTradeNo: s.outTradeNo, row });
    }
    // 2. every payment final; 3./4. the wallet agrees
    for (const row of rows) {
      if (!FINAL.has(row.state)) problems.push({ problem: `payment not final (${row.state})`, outTradeNo: row.out_trade_no, row });
      const c = chargeByTradeNo.get(row.out_trade_no);
      const net = c ? c.charged - c.returned : 0;
      if (c && c.times_charged > 1) problems.push({ problem: `charged ${c.times_charged} times at the wallet`, outTradeNo: row.out_trade_no, row });
      if (row.state === 'succeeded' && net !== row.amount) problems.push({ problem: `succeeded for ${row.amount} but the wallet kept ${net}`, outTradeNo: row.out_trade_no, row });
      if (row.state !== 'succeeded' && net !== 0) problems.push({ problem: `${row.state} but the wallet kept ${net}`, outTradeNo: row.out_trade_no, row });
      const w = walletStatus.get(row.out_trade_no);
      if (w && FINAL.has(row.state)) {
        if (row.state === 'succeeded' && w.status !== 'succeeded') problems.push({ problem: `succeeded, wallet trade is ${w.status}`, outTradeNo: row.out_trade_no, row });
        if (row.state !== 'succeeded' && (w.status === 'succeeded' || w.status === 'waiting_customer' || w.status === 'unknown')) {
          problems.push({ problem: `${row.state}, but the wallet trade is ${w.status}${w.status === 'waiting_customer' ? ' (still payable)' : ''}`, outTradeNo: row.out_trade_no, row });
        }
      }
    }
    for (const c of charges) {
      if (c.mch_id !== creds.merchantId || !byTradeNo.has(c.out_trade_no)) {
        if (c.charged - c.returned !== 0 || c.times_charged > 0) problems.push({ problem: `the wallet charged ${c.charged} (returned ${c.returned}) for a trade we have no payment for`, outTradeNo: c.out_trade_no, row: null });
      }
    }

    const seenProblem = new Set<string>();
    for (const p of problems) {
      const k = `${p.outTradeNo}|${p.problem}`;
      if (seenProblem.has(k)) continue;
      seenProblem.add(k);
      failures.push(`${p.outTradeNo}: ${p.problem}`);
      if (evidence.length >= 20) continue;
      const s = sentByTradeNo.get(p.outTradeNo);
      const row = p.row ?? byTradeNo.get(p.outTradeNo) ?? null;
      const c = chargeByTradeNo.get(p.outTradeNo);
      evidence.push({
        problem: p.problem, paymentId: row?.id ?? s?.ack?.id ?? null, outTradeNo: p.outTradeNo, scenario: s?.scenario ?? null,
        acknowledged: s?.ack ? { status: s.ack.status, state: s.ack.state } : null,
        payment: row ? {
          state: row.state, method: row.method, amount: row.amount, created_at: row.created_at, final_at: row.final_at, failure_code: row.failure_code,
          failure_message: row.failure_message, attempts: row.attempts, next_poll_at: row.next_poll_at, lease_until: row.lease_until, reverse_after: row.reverse_after,
        } : null,
        events: row ? await eventsOf(row.id) : [],
        walletCharges: c ? { charged: c.charged, times_charged: c.times_charged, returned: c.returned } : null,
        walletStatus: walletStatus.get(p.outTradeNo)?.status ?? null,
      });
    }

    for (const u of unexpected) failures.push(`unexpected answer: ${u}`);
    if (stats.serverError > 0) warnings.push(`${stats.serverError} answers were 5xx (retried): ${serverErrorSamples.join(' | ')}`);

    // ---- the ledger
    const ledger = await runLedgerCheck(tmp, opts.store === 'pg' ? databaseUrl : null);
    if (ledger.exitCode !== 0) failures.push(`saoma ledger check exited ${ledger.exitCode}: ${JSON.stringify(ledger.result).slice(0, 500)}`);

    // ---- worker errors logged by the gateway (not failures by themselves: retried on the next pass)
    const logText = existsSync(gatewayLog) ? readFileSync(gatewayLog, 'utf8') : '';
    const workerLines = logText.split('\n').filter((l) => l.startsWith('saoma worker:'));
    const samples = [...new Set(workerLines.map((l) => l.replace(/pay_[0-9a-z]+/g, 'pay_…').replace(/rfd_[0-9a-z]+/g, 'rfd_…')))].slice(0, 8);
    if (workerLines.length) warnings.push(`${workerLines.length} worker errors logged by the gateway`);

    // ---- numbers
    const byState: Record<string, number> = {};
    const byScenario: Record<string, Record<string, number>> = {};
    const maxByScenario: Record<string, number> = {};
    let maxTime = 0;
    let maxTimeOf: Report['maxTimeToFinal'] = null;
    for (const row of rows) {
      byState[row.state] = (byState[row.state] ?? 0) + 1;
      const sc = sentByTradeNo.get(row.out_trade_no)?.scenario ?? null;
      const k = sc ?? 'other';
      byScenario[k] ??= {};
      byScenario[k]![row.state] = (byScenario[k]![row.state] ?? 0) + 1;
      if (row.final_at) {
        const ms = Date.parse(row.final_at) - Date.parse(row.created_at);
        maxByScenario[k] = Math.max(maxByScenario[k] ?? 0, ms);
        if (ms > maxTime) {
          maxTime = ms;
          maxTimeOf = { id: row.id, scenario: sc, state: row.state, events: [] };
        }
      }
    }
    if (maxTimeOf) maxTimeOf.events = await eventsOf(maxTimeOf.id);
    openStore = null;
    await store.close();
    const acked = sent.filter((s) => s.ack);
    const ackedIds = new Set(acked.map((s) => s.ack!.id));
    const report: Report = {
      ok: failures.length === 0,
      failures,
      warnings,
      store: opts.store,
      seed,
      clients: opts.clients,
      kills: opts.kills,
      killsWhileStarting,
      killsWhileServing,
      restarts: gw.restarts,
      unexpectedGatewayExits: gw.unexpectedExits.length,
      payments: {
        acknowledged: acked.length,
        inDatabase: rows.length,
        notAcknowledged: rows.filter((r) => !ackedIds.has(r.id)).length,
        byState,
        byScenario,
      },
      retries: { ...stats, total: stats.connection + stats.inProgress + stats.serverError },
      unexpectedAnswers: unexpected.length,
      scans,
      wallet: {
        chargedTrades: charges.length,
        maxTimesCharged: charges.reduce((m, c) => Math.max(m, c.times_charged), 0),
        netCharged: charges.reduce((s, c) => s + c.charged - c.returned, 0),
      },
      maxTimeToFinalMs: maxTime,
      maxTimeToFinal: maxTimeOf,
      maxTimeToFinalByScenario: maxByScenario,
      maxAckLatencyMs: acked.reduce((m, s) => Math.max(m, s.ack!.at - s.firstSentAt), 0),
      drainMs,
      durationMs: Date.now() - t0,
      ledger,
      workerErrors: { count: workerLines.length, samples },
      evidence,
      tmpDir: null,
    };
    passed = report.ok;
    report.tmpDir = passed && !opts.keepTmp ? null : tmp;
    return report;
  } catch (e) {
    throw new Error(`crash test could not run: ${(e as Error).message} (logs kept in ${tmp})`, { cause: e });
  } finally {
    hardStop = true;
    if (openStore) await (openStore as Store).close().catch(() => undefined);
    if (gateway) {
      gateway.stopping = true;
      killAll();
    }
    if (wallet) await stopProcess(wallet, 3000);
    killAll();
    if (schema) {
      try {
        const c = new pg.Client({ connectionString: pgBase });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      } catch { /* best effort */ }
    }
    if (passed && !opts.keepTmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function runLedgerCheck(dataDir: string, databaseUrl: string | null): Promise<{ exitCode: number | null; result: unknown }> {
  const args = ['--import', 'tsx', MAIN, 'ledger', 'check', '--data-dir', dataDir, ...(databaseUrl ? ['--database-url', databaseUrl] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv({ SAOMA_ENV: 'test' }), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  live.delete(child);
  let result: unknown = out.trim() || err.trim();
  try { result = JSON.parse(out); } catch { /* keep text */ }
  return { exitCode: code, result };
}
