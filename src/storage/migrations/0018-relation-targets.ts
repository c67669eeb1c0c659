import type { Kysely, Migration } from 'kysely';

/*
 * Issue 10: every live session loads, when it identifies, the blocks set on its user (mutes and
 * blocks are enforced at delivery on every protocol). The primary key (owner_id, target_id, kind)
 * finds a user's own relations; this index finds the blocks on a user without a scan.
 */
export const relationTargetsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('relations_target').on('relations').columns(['target_id', 'kind']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('relations_target').execute();
  },
};
