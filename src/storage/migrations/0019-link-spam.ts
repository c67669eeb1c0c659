import type { Kysely, Migration } from 'kysely';

/*
 * Issue 10: BareRTC's DM link-spam protection. Who pasted which link (a digest) into which DM
 * thread and when, and who was already warned for it, so the count holds across nodes and
 * restarts. Rows older than the configured window are deleted on write (the sent_at and
 * warned_at indexes keep that cheap). No foreign key on user_id: the rows expire by themselves
 * and must never hold up deleting an account.
 */
export const linkSpamMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('link_spam_sends')
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('link_hash', 'text', (c) => c.notNull())
      .addColumn('thread', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('link_spam_sends_pk', ['user_id', 'link_hash', 'thread'])
      .execute();
    await db.schema.createIndex('link_spam_sends_sent_at').on('link_spam_sends').column('sent_at').execute();
    await db.schema
      .createTable('link_spam_warnings')
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('link_hash', 'text', (c) => c.notNull())
      .addColumn('warned_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('link_spam_warnings_pk', ['user_id', 'link_hash'])
      .execute();
    await db.schema.createIndex('link_spam_warnings_warned_at').on('link_spam_warnings').column('warned_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('link_spam_warnings').execute();
    await db.schema.dropTable('link_spam_sends').execute();
  },
};
