import type { Kysely, Migration } from 'kysely';

/*
 * One direct conversation per pair of users, enforced by the database: `direct_key` holds
 * "<smaller id>:<larger id>" while both are in it, so concurrent "open a direct conversation"
 * calls on any node end up in the same row. NULLs do not collide in a unique index (SQLite and
 * PostgreSQL alike), so rooms, groups and left direct conversations carry NULL.
 */
export const directKeyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('conversations').addColumn('direct_key', 'text').execute();
    await db.schema.createIndex('conversations_direct_key').on('conversations').column('direct_key').unique().execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('conversations_direct_key').execute();
    await db.schema.alterTable('conversations').dropColumn('direct_key').execute();
  },
};
