import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The counter's day: what a sale was for (its lines, as JSON), who made a refund (the supervisor whose
 * session approved it), and shifts — a cashier's turn at a terminal, opened and closed with a count of
 * the cash drawer. At most one open shift per terminal is a partial unique index, so two tablets
 * opening at once cannot both win; SQLite and PostgreSQL accept the same statement.
 */
export function counterMigration(money: 'integer' | 'bigint'): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('sales').addColumn('items', 'text').execute();
      await db.schema.alterTable('refunds').addColumn('operator_id', 'text').execute();
      await db.schema.alterTable('refunds').addColumn('operator_name', 'text').execute();
      await db.schema.createIndex('sales_terminal_created').on('sales').columns(['terminal_id', 'created_at']).execute();
      await db.schema.createIndex('sales_merchant_created').on('sales').columns(['merchant_id', 'created_at']).execute();
      await db.schema.createIndex('payments_terminal_created').on('payments').columns(['terminal_id', 'created_at']).execute();
      await db.schema.createTable('shifts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
        .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('opening_float', money, (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_by_name', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('closed_by', 'text')
        .addColumn('closed_by_name', 'text')
        .addColumn('counted_cash', money)
        .addColumn('expected_cash', money)
        .addColumn('difference', money)
        .addColumn('totals', 'text')
        .execute();
      await sql`create unique index shifts_one_open on shifts (terminal_id) where closed_at is null`.execute(db);
      await db.schema.createIndex('shifts_terminal_opened').on('shifts').columns(['terminal_id', 'opened_at']).execute();
      await db.schema.createIndex('shifts_merchant_opened').on('shifts').columns(['merchant_id', 'opened_at']).execute();
    },
  };
}
