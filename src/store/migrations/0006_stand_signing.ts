import type { Kysely, Migration } from 'kysely';

/** Stand codes issued from now on carry a signature; the ones already printed stay valid, marked unsigned. */
export const standSigningMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('stands').addColumn('signed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
