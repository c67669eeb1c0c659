import type { Kysely, Migration } from 'kysely';

/* Invites (reference/prosody-invites.md §3): a token, what using it does, and when it expires. */
export const invitesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('invites')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('username', 'text')
      .addColumn('inviter_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('groups_json', 'text', (c) => c.notNull())
      .addColumn('roles_json', 'text', (c) => c.notNull())
      .addColumn('reusable', 'integer', (c) => c.notNull())
      .addColumn('source', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('invites').execute();
  },
};
