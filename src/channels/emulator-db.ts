import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What every wallet emulator keeps: its own SQLite file (the wallet's books, apart from ours, so tests
 * can audit what it charged), prepared statements reused, and the per-trade charge summary that proves
 * nothing was charged twice.
 */
export class EmulatorDb {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string, schema: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // The wallet stands in for someone else's servers: it must survive our process crashes (WAL with
    // NORMAL does), not power loss, and its fsyncs must not eat the gateway's budget in benchmarks.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(schema);
  }

  stmt(text: string): Database.Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  /**
   * Net money per trade from an append-only `charges` table: what was charged, how many times, and
   * what went back (kinds named by the wallet: reverse, cancel, refund …).
   */
  chargeSummary<K extends string>(account: K, returnedKinds: readonly string[]): Array<Record<K, string> & { out_trade_no: string; charged: number; times_charged: number; returned: number }> {
    const kinds = returnedKinds.map((k) => `'${k.replace(/'/g, "''")}'`).join(', ');
    return this.stmt(`
      SELECT ${account}, out_trade_no,
        SUM(CASE WHEN kind = 'charge' THEN amount ELSE 0 END) AS charged,
        SUM(CASE WHEN kind = 'charge' THEN 1 ELSE 0 END) AS times_charged,
        SUM(CASE WHEN kind IN (${kinds}) THEN amount ELSE 0 END) AS returned
      FROM charges GROUP BY ${account}, out_trade_no`).all() as never;
  }

  close(): void {
    this.db.close();
  }
}
