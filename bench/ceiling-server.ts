/**
 * Child-process entry for the ceiling servers (research/performance.md, Part 2). Usage:
 *   node --import tsx bench/ceiling-server.ts <hello|sqlite-full|sqlite-batch-full|pg>
 * Environment: BENCH_PG_URL for `pg` (default postgres://postgres@127.0.0.1:5432/test).
 *
 * Every write is acknowledged only after its commit is durable: SQLite in WAL with synchronous=FULL,
 * PostgreSQL with synchronous_commit=on.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import pg from 'pg';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failToParent, serveParent } from './child.ts';

const ceilingModes = ['hello', 'sqlite-full', 'sqlite-batch-full', 'pg'] as const;
export type CeilingMode = (typeof ceilingModes)[number];

interface OrderBody {
  merchantId: string;
  outTradeNo: string;
  amount: number;
  currency: string;
  subject: string;
}

const orderSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['merchantId', 'outTradeNo', 'amount', 'currency', 'subject'],
    properties: {
      merchantId: { type: 'string', minLength: 1, maxLength: 64 },
      outTradeNo: { type: 'string', minLength: 1, maxLength: 64 },
      amount: { type: 'integer', minimum: 1, maximum: 100_000_000_000 },
      currency: { type: 'string', enum: ['CNY', 'HKD', 'USD', 'EUR', 'SGD'] },
      subject: { type: 'string', maxLength: 128 },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: { id: { type: 'string' }, outTradeNo: { type: 'string' }, status: { type: 'string' } },
    },
  },
} as const;

/** Inserts one order durably; rejects with `duplicate` on a repeated (merchantId, outTradeNo). */
type Insert = (id: string, o: OrderBody) => Promise<void>;

interface Store {
  insert: Insert;
  stats(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

class Duplicate extends Error {}

function openSqlite(grouped: boolean): Store {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-bench-'));
  const file = join(dir, 'ceiling.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    out_trade_no TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (merchant_id, out_trade_no)
  )`);
  const ins = db.prepare(
    'INSERT INTO orders (id, merchant_id, out_trade_no, amount, currency, subject, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const run = (id: string, o: OrderBody): void => {
    try {
      ins.run(id, o.merchantId, o.outTradeNo, o.amount, o.currency, o.subject, Date.now());
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new Duplicate();
      throw e;
    }
  };

  let insert: Insert;
  if (!grouped) {
    // Autocommit: each INSERT is its own transaction, one fsync each.
    insert = async (id, o) => run(id, o);
  } else {
    // Group commit: every request handled in one event-loop turn joins one transaction, each inside
    // its own SAVEPOINT; the batch commits in the check phase and only then are the replies released.
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    const rollback = db.prepare('ROLLBACK');
    const savepoint = db.prepare('SAVEPOINT req');
    const release = db.prepare('RELEASE req');
    const rollbackTo = db.prepare('ROLLBACK TO req');
    let batch: { resolve(): void; reject(e: unknown): void }[] | null = null;
    const flush = (): void => {
      const done = batch ?? [];
      batch = null;
      try {
        commit.run();
      } catch (e) {
        if (db.inTransaction) rollback.run();
        for (const w of done) w.reject(e);
        return;
      }
      for (const w of done) w.resolve();
    };
    insert = (id, o) => {
      if (!batch) {
        begin.run();
        batch = [];
        setImmediate(flush);
      }
      savepoint.run();
      try {
        run(id, o);
        release.run();
      } catch (e) {
        rollbackTo.run();
        release.run();
        return Promise.reject(e);
      }
      const b = batch;
      return new Promise<void>((resolve, reject) => b.push({ resolve, reject }));
    };
  }
  const count = db.prepare('SELECT count(*) AS n FROM orders').pluck();
  const size = (f: string): number => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return {
    insert,
    async stats() {
      return { rows: count.get() as number, dbBytes: size(file), walBytes: size(`${file}-wal`) };
    },
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPg(): Promise<Store> {
  const url = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const table = `bench_orders_${process.pid}_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c synchronous_commit=on' });
  pool.on('error', () => undefined);
  try {
    await pool.query(`CREATE TABLE ${table} (
      id TEXT PRIMARY KEY,
      merchant_id TEXT NOT NULL,
      out_trade_no TEXT NOT NULL,
      amount BIGINT NOT NULL,
      currency TEXT NOT NULL,
      subject TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE (merchant_id, out_trade_no)
    )`);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`PostgreSQL at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = `INSERT INTO ${table} (id, merchant_id, out_trade_no, amount, currency, subject) VALUES ($1, $2, $3, $4, $5, $6)`;
  return {
    async insert(id, o) {
      try {
        await pool.query({ name: 'ins', text, values: [id, o.merchantId, o.outTradeNo, o.amount, o.currency, o.subject] });
      } catch (e) {
        if ((e as { code?: string }).code === '23505') throw new Duplicate();
        throw e;
      }
    },
    async stats() {
      const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      const s = await pool.query<{ v: string }>("SELECT current_setting('synchronous_commit') AS v");
      return { rows: Number(r.rows[0]?.n ?? 0), table, synchronous_commit: s.rows[0]?.v };
    },
    async close() {
      await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await pool.end();
    },
  };
}

async function main(mode: CeilingMode): Promise<void> {
  const app: FastifyInstance = Fastify({ logger: false });
  let store: Store | undefined;
  if (mode === 'hello') {
    app.get('/', { schema: { response: { 200: { type: 'object', properties: { hello: { type: 'string' } } } } } }, async () => ({
      hello: 'world',
    }));
  } else {
    store = mode === 'pg' ? await openPg() : openSqlite(mode === 'sqlite-batch-full');
    const s = store;
    app.post<{ Body: OrderBody }>('/orders', { schema: orderSchema }, async (req, reply) => {
      const id = randomUUID();
      try {
        await s.insert(id, req.body);
      } catch (e) {
        if (e instanceof Duplicate) return reply.code(409).send({ id: '', outTradeNo: req.body.outTradeNo, status: 'duplicate' });
        throw e;
      }
      return { id, outTradeNo: req.body.outTradeNo, status: 'created' };
    });
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  serveParent(url, {
    stats: async () => (await store?.stats()) ?? {},
    stop: async () => {
      await app.close();
      await store?.close();
    },
  });
}

const mode = process.argv[2] as CeilingMode;
if (!ceilingModes.includes(mode)) failToParent(new Error(`unknown ceiling mode ${process.argv[2]}`));
else main(mode).catch(failToParent);
