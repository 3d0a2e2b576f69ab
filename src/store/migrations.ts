import { type Kysely, type Migration, type ColumnDefinitionBuilder } from 'kysely';
import { standsMigration } from './migrations/0003_stands.ts';
import { printingMigration } from './migrations/0005_printing.ts';
import { standSigningMigration } from './migrations/0006_stand_signing.ts';
import { counterMigration } from './migrations/0004_counter.ts';
import { backOfficeMigration } from './migrations/0010_back_office.ts';
import { reconcileMigration } from './migrations/0011_reconcile.ts';

export type Flavor = 'sqlite' | 'pg';

/**
 * One migration list for both stores; the only dialect differences are identity columns and integer width.
 * Money columns are 64-bit on PostgreSQL (bigint) since 2^31 fen is only ¥21 million.
 */
export function migrations(flavor: Flavor): Record<string, Migration> {
  const money = flavor === 'pg' ? 'bigint' : 'integer';
  const serial = (c: ColumnDefinitionBuilder) =>
    flavor === 'pg' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement();
  const serialType = flavor === 'pg' ? 'bigint' : 'integer';

  return {
    '0001_core': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('merchants')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('timezone', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('webhook_url', 'text')
          .addColumn('webhook_secret_enc', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createTable('stores')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createTable('terminals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
          .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createTable('operators')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
          .addColumn('store_id', 'text')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('pin_hash', 'text', (c) => c.notNull())
          .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('locked_until', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createTable('operator_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('operator_id', 'text', (c) => c.notNull())
          .addColumn('terminal_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('secret_enc', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema.createTable('nonces')
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('nonce', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('nonces_pk', ['key_id', 'nonce'])
          .execute();
        await db.schema.createTable('idempotency')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('request_hash', 'text', (c) => c.notNull())
          .addColumn('resource_id', 'text')
          .addColumn('response_status', 'integer')
          .addColumn('response_body', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_pk', ['scope', 'key'])
          .execute();
        await db.schema.createTable('sales')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull())
          .addColumn('store_id', 'text', (c) => c.notNull())
          .addColumn('terminal_id', 'text', (c) => c.notNull())
          .addColumn('amount', money, (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('paid', money, (c) => c.notNull().defaultTo(0))
          .addColumn('change', money, (c) => c.notNull().defaultTo(0))
          .addColumn('description', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createTable('payments')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull())
          .addColumn('store_id', 'text', (c) => c.notNull())
          .addColumn('terminal_id', 'text', (c) => c.notNull())
          .addColumn('sale_id', 'text')
          .addColumn('out_trade_no', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('amount', money, (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('channel_trade_no', 'text')
          .addColumn('auth_code', 'text')
          .addColumn('qr_code', 'text')
          .addColumn('expires_at', 'text')
          .addColumn('refunded', money, (c) => c.notNull().defaultTo(0))
          .addColumn('tendered', money)
          .addColumn('change', money)
          .addColumn('failure_code', 'text')
          .addColumn('failure_message', 'text')
          .addColumn('description', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_poll_at', 'text')
          .addColumn('lease_until', 'text')
          .addColumn('reverse_after', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('final_at', 'text')
          .addUniqueConstraint('payments_trade_no', ['merchant_id', 'out_trade_no'])
          .execute();
        await db.schema.createIndex('payments_poll').on('payments').columns(['next_poll_at']).execute();
        await db.schema.createIndex('payments_sale').on('payments').columns(['sale_id']).execute();
        await db.schema.createIndex('payments_merchant_created').on('payments').columns(['merchant_id', 'created_at']).execute();
        await db.schema.createTable('payment_events')
          .addColumn('id', serialType, serial)
          .addColumn('payment_id', 'text', (c) => c.notNull())
          .addColumn('from_state', 'text', (c) => c.notNull())
          .addColumn('to_state', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('payment_events_payment').on('payment_events').columns(['payment_id']).execute();
        await db.schema.createTable('refunds')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('payment_id', 'text', (c) => c.notNull())
          .addColumn('merchant_id', 'text', (c) => c.notNull())
          .addColumn('out_refund_no', 'text', (c) => c.notNull())
          .addColumn('amount', money, (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('channel_refund_no', 'text')
          .addColumn('failure_message', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_poll_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('refunds_no', ['merchant_id', 'out_refund_no'])
          .execute();
        await db.schema.createIndex('refunds_payment').on('refunds').columns(['payment_id']).execute();
        await db.schema.createTable('journals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('ref', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('journals_ref', ['kind', 'ref'])
          .execute();
        await db.schema.createTable('postings')
          .addColumn('id', serialType, serial)
          .addColumn('journal_id', 'text', (c) => c.notNull())
          .addColumn('merchant_id', 'text', (c) => c.notNull())
          .addColumn('account', 'text', (c) => c.notNull())
          .addColumn('amount', money, (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('postings_merchant').on('postings').columns(['merchant_id', 'id']).execute();
        await db.schema.createTable('outbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('lease_until', 'text')
          .addColumn('last_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('delivered_at', 'text')
          .execute();
        await db.schema.createIndex('outbox_due').on('outbox').columns(['state', 'next_attempt_at']).execute();
        await db.schema.createTable('webhook_deliveries')
          .addColumn('id', serialType, serial)
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('merchant_id', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('status', 'integer')
          .addColumn('error', 'text')
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['event_id']).execute();
        await db.schema.createTable('channel_notifications')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('notify_id', 'text', (c) => c.notNull())
          .addColumn('payment_id', 'text')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('channel_notifications_pk', ['channel', 'notify_id'])
          .execute();
      },
    },
    '0002_channel_accounts': {
      async up(db: Kysely<any>) {
        // A merchant's account on one wallet: where to reach it, its credentials (sealed with the master
        // key), and the limits we enforce before calling it.
        await db.schema.createTable('channel_accounts')
          .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('base_url', 'text')
          .addColumn('credentials_enc', 'text', (c) => c.notNull())
          .addColumn('limit_per_transaction', money)
          .addColumn('limit_per_day', money)
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('channel_accounts_pk', ['merchant_id', 'channel'])
          .execute();
        // The wallets a store offers at its counter; a store with no rows offers all its merchant's.
        await db.schema.createTable('store_channels')
          .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
          .addColumn('channel', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('store_channels_pk', ['store_id', 'channel'])
          .execute();
        await db.schema.createIndex('payments_channel_day').on('payments').columns(['merchant_id', 'channel', 'created_at']).execute();
      },
    },
    '0003_stands': standsMigration,
    '0004_counter': counterMigration(money),
    '0005_printing': printingMigration,
    '0006_stand_signing': standSigningMigration,
    '0010_back_office': backOfficeMigration(serialType, flavor === 'pg'),
    '0011_reconcile': reconcileMigration(money, flavor),
  };
}
