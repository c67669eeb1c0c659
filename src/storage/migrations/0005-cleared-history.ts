import type { Kysely, Migration } from 'kysely';

/*
 * A member may clear a conversation's history for itself only: messages up to
 * `cleared_through_id` are hidden from that member's history and unread replay.
 */
export const clearedHistoryMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('memberships').addColumn('cleared_through_id', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('memberships').dropColumn('cleared_through_id').execute();
  },
};
