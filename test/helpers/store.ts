import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Which store the suite runs against: `SAOMA_TEST_STORE=sqlite` (default) or `pg`. */
export const TEST_STORE = (process.env.SAOMA_TEST_STORE ?? 'sqlite') as 'sqlite' | 'pg';
export const PG_URL = process.env.SAOMA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test: a temp SQLite file, or a new PostgreSQL schema reached through
 * search_path, so tests never see each other's rows and can run in parallel.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'saoma-test-'));
  if (TEST_STORE === 'sqlite') {
    return { url: `sqlite:${join(dataDir, 'saoma.db')}`, dataDir, drop: async () => undefined };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const sep = PG_URL.includes('?') ? '&' : '?';
  return {
    url: `${PG_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
