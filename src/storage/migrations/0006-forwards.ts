import type { Kysely, Migration } from 'kysely';

/* A forwarded message remembers the message it copies (its id; the copy carries text and file). */
export const forwardsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('messages').addColumn('forward_of_id', 'bigint').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('messages').dropColumn('forward_of_id').execute();
  },
};
