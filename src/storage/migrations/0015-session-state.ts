import type { Kysely, Migration } from 'kysely';

/*
 * Issue 10: a live session's public state (BareRTC's who-list entry: status, camera flags, flair),
 * kept with the session in the shared registry so every node builds the same who list. Sessions
 * of protocols without a roster keep null. Rosters are read by protocol, hence the index.
 */
export const sessionStateMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('online_sessions').addColumn('state_json', 'text').execute();
    await db.schema.createIndex('online_sessions_protocol').on('online_sessions').column('protocol').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('online_sessions_protocol').execute();
    await db.schema.alterTable('online_sessions').dropColumn('state_json').execute();
  },
};
