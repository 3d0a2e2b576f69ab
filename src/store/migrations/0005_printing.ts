import type { Kysely, Migration } from 'kysely';

/**
 * Paper: the stores' receipt templates (every edit a new version, so a reprint can show what was
 * printed then), network printers with their queue of jobs (the bytes as they will go out, so nothing
 * is re-rendered differently on a retry), and verification receipts — a customer's signature bound to a
 * payment in a server-signed record, with the short code printed on the slip.
 */
export const printingMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('receipt_templates')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addUniqueConstraint('receipt_templates_version', ['store_id', 'kind', 'version'])
      .execute();
    await db.schema.createTable('printers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('paper', 'integer', (c) => c.notNull())
      .addColumn('encoding', 'text', (c) => c.notNull())
      .addColumn('lang', 'text', (c) => c.notNull())
      .addColumn('auto_print', 'integer', (c) => c.notNull())
      .addColumn('copies', 'integer', (c) => c.notNull())
      .addColumn('merchant_copy', 'integer', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('last_seen_at', 'text')
      // One instance at a time talks to a printer (it takes one connection anyway): a lease, as for
      // payments being polled, so a crashed instance's printer is picked up when the lease runs out.
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('printers_store').on('printers').columns(['store_id']).execute();
    await db.schema.createTable('print_jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('printer_id', 'text', (c) => c.notNull().references('printers.id'))
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('ref', 'text')
      .addColumn('copy', 'text', (c) => c.notNull())
      // Why the job exists, unique per printer: a second auto-print of one sale, or a retried reprint
      // request, finds the first job instead of printing twice.
      .addColumn('dedupe_key', 'text', (c) => c.notNull())
      .addColumn('batch_id', 'text')
      .addColumn('bytes', 'text', (c) => c.notNull())
      .addColumn('warnings', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('printed_at', 'text')
      .addUniqueConstraint('print_jobs_dedupe', ['printer_id', 'dedupe_key'])
      .execute();
    await db.schema.createIndex('print_jobs_due').on('print_jobs').columns(['state', 'next_attempt_at']).execute();
    await db.schema.createIndex('print_jobs_printer').on('print_jobs').columns(['printer_id', 'created_at']).execute();
    await db.schema.createIndex('print_jobs_ref').on('print_jobs').columns(['printer_id', 'ref']).execute();
    await db.schema.createIndex('print_jobs_batch').on('print_jobs').columns(['batch_id']).execute();
    await db.schema.createTable('receipt_records')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text')
      // The signed record (canonical JSON) and its Ed25519 signature; the signature's vector data and
      // its SHA-256 are inside the record, so changing either breaks the signature.
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('strokes', 'text', (c) => c.notNull())
      .addColumn('printed_text', 'text', (c) => c.notNull())
      .addColumn('gifts', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('collected_at', 'text')
      .addColumn('collected_by', 'text')
      .execute();
    await db.schema.createIndex('receipt_records_merchant').on('receipt_records').columns(['merchant_id', 'created_at']).execute();
    await db.schema.createIndex('receipt_records_payment').on('receipt_records').columns(['payment_id']).execute();
  },
};
