import type { Kysely, Migration } from 'kysely';

/* A conversation's avatar: the id of a stored file (see 0004). */
export const avatarsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('conversations').addColumn('avatar_file_id', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('conversations').dropColumn('avatar_file_id').execute();
  },
};
