import type { Kysely, Migration } from 'kysely';

/**
 * One-code stands (聚合码): a printed QR holding a short URL that pays into one store and terminal, and
 * the link from each stand payment back to its stand. `payments.in_app_pay` keeps what the customer's
 * wallet app must do to pay an in-app order (a redirect URL or the JSAPI parameters), so a reloaded
 * page or a double tap gets the same answer.
 */
export const standsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('stands')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
      .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('disabled_at', 'text')
      .execute();
    await db.schema.createIndex('stands_merchant').on('stands').columns(['merchant_id', 'created_at']).execute();
    await db.schema.createTable('stand_payments')
      .addColumn('stand_id', 'text', (c) => c.notNull())
      .addColumn('client_key', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('stand_payments_pk', ['stand_id', 'client_key'])
      .execute();
    await db.schema.alterTable('payments').addColumn('in_app_pay', 'text').execute();
  },
};
