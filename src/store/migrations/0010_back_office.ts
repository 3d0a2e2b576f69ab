import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What every back-office area shares: durable jobs (reconciliation, settlement, payouts, monitors) that
 * exactly one instance runs at a time; the append-only, hash-chained audit log; and alerts a person
 * must see and acknowledge.
 */
export function backOfficeMigration(serial: 'integer' | 'bigint', identity: boolean): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('payload', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('run_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('result', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('jobs_kind_key', ['kind', 'key'])
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at']).execute();

      await db.schema.createTable('audit_log')
        .addColumn('id', serial, (c) => (identity ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()))
        .addColumn('chain', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('ip', 'text')
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addUniqueConstraint('audit_log_chain_seq', ['chain', 'seq'])
        .execute();
      await db.schema.createTable('audit_heads')
        .addColumn('chain', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('detail', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('acked_by', 'text')
        .addColumn('acked_at', 'text')
        .addColumn('resolved_at', 'text')
        .execute();
      await db.schema.createIndex('alerts_merchant_state').on('alerts').columns(['merchant_id', 'state', 'created_at']).execute();
      // One open alert per thing that is wrong: raising it again counts an occurrence instead.
      await db.schema.createIndex('alerts_open_dedupe').on('alerts').columns(['dedupe_key']).unique()
        .where(sql.ref('state'), '!=', 'resolved').execute();
    },
  };
}
