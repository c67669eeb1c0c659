import type { Kysely, Migration } from 'kysely';

/*
 * Issue 10: blocklists a website caches for its users before they join the chat (BareRTC's
 * /api/blocklist). BareRTC kept them in memory until restart; here they are shared by every node
 * and survive restarts. Keyed by the username's identity key: the account may not exist yet.
 */
export const cachedBlocklistsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('cached_blocklists')
      .addColumn('username_key', 'text', (c) => c.primaryKey())
      .addColumn('names_json', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('cached_blocklists').execute();
  },
};
