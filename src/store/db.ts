import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import Database from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DB } from './schema.ts';
import { migrations, type Flavor } from './migrations.ts';

// Money columns are bigint on PostgreSQL; amounts are capped far below 2^53, so Number is exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v: string) => Number(v));

export type Tx = Transaction<DB> | Kysely<DB>;

/**
 * Work that must commit with the first write of the current request, if it makes one (the API
 * request's nonce: recorded in the same transaction as what the request does, so a replay is refused
 * atomically and costs no commit of its own). Whatever is left when the request ends is written then.
 */
export interface WriteContext {
  before: ((tx: Tx) => Promise<void>) | null;
}
export const writeContext = new AsyncLocalStorage<WriteContext>();

interface Pending<T> {
  fn: (tx: Tx) => Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

/**
 * The database, with durable writes. Every acknowledged write is on disk: SQLite runs WAL with
 * synchronous=FULL, PostgreSQL with synchronous_commit=on.
 *
 * SQLite has one writer and pays one fsync per commit, so writes that arrive together are committed
 * together (group commit): each caller's work runs inside its own SAVEPOINT of one shared transaction,
 * a caller whose work throws is rolled back alone, and nobody is answered before the shared COMMIT.
 * PostgreSQL already shares WAL flushes between concurrent backends, so there each write is its own
 * transaction on the pool.
 */
export class Store {
  readonly db: Kysely<DB>;
  readonly flavor: Flavor;
  /** The SQLite handle, for the savepoints of group commit (same connection Kysely uses). */
  raw: Database.Database | null = null;
  private queue: Pending<unknown>[] = [];
  private flushing = false;
  private closed = false;

  constructor(db: Kysely<DB>, flavor: Flavor) {
    this.db = db;
    this.flavor = flavor;
  }

  static open(url: string): Store {
    if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
      const pool = new pg.Pool({ connectionString: url, max: Number(process.env.SAOMA_PG_POOL ?? 10) });
      pool.on('connect', (client) => {
        client.query('SET synchronous_commit = on').catch(() => undefined);
      });
      // An idle client dropped by the server must not crash the process.
      pool.on('error', () => undefined);
      return new Store(new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), 'pg');
    }
    const path = url.replace(/^sqlite:/, '');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new Database(path);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    database.pragma('cache_size = -65536');
    const store = new Store(new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), 'sqlite');
    store.raw = database;
    return store;
  }

  async migrate(): Promise<string[]> {
    // Kysely looks for its bookkeeping tables in every schema; name ours, or a second Saoma in another
    // schema of the same database would make it skip creating them here.
    const schema = this.flavor === 'pg'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(this.db)).rows[0]?.s ?? 'public'
      : undefined;
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations(this.flavor) },
      // Areas of the system add their tables in migrations of their own, numbered by area rather than
      // by merge date: a database that ran a later number first still takes an earlier one it lacks.
      allowUnorderedMigrations: true,
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error;
    return (results ?? []).map((r) => `${r.migrationName}: ${r.status}`);
  }

  /** Run `fn` in a durable transaction; resolves only after its commit. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const ctx = writeContext.getStore();
    const before = ctx?.before;
    if (ctx && before) {
      ctx.before = null;
      const inner = fn;
      fn = async (tx) => {
        await before(tx);
        return inner(tx);
      };
      return this.commit(fn).catch((e: unknown) => {
        ctx.before ??= before;
        throw e;
      });
    }
    return this.commit(fn);
  }

  private commit<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.flavor === 'pg') return this.db.transaction().execute(fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject } as Pending<unknown>);
      if (!this.flushing) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue;
    this.queue = [];
    const raw = this.raw!;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const item of batch) {
          // Straight on the handle: Kysely holds the connection for this transaction, so nothing interleaves.
          raw.exec('SAVEPOINT w');
          try {
            const value = await item.fn(trx);
            raw.exec('RELEASE w');
            outcomes.push({ ok: true, value });
          } catch (error) {
            raw.exec('ROLLBACK TO w');
            raw.exec('RELEASE w');
            outcomes.push({ ok: false, error });
          }
        }
      });
      batch.forEach((item, i) => {
        const o = outcomes[i]!;
        if (o.ok) item.resolve(o.value);
        else item.reject(o.error);
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) setImmediate(() => void this.flush());
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.db.destroy();
  }
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing is a large
 * share of a small query's cost. Cache them by SQL text (the set of distinct queries is small).
 */
function withStatementCache(database: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = database.prepare(text);
        if (cache.size > 1000) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function nowIso(): string {
  return new Date().toISOString();
}
