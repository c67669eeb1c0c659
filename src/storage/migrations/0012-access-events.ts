import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import { sqlDialectOf } from '../sql-dialects/sql-dialect-of.js';

/*
 * Access that holds on every door and node (issue 8):
 * - users.token_generation: bumped whenever every credential of an account must stop working
 *   (disabled, password reset or change, all sessions revoked). Signed tokens carry the
 *   generation they were issued under, so a JWT door refuses older ones without a token table.
 * - access_events: the account and ban changes every node must apply to its live sessions. The
 *   bus carries them at once; this table carries them where the bus cannot (a CLI process on
 *   SQLite has no bus to the server) and is read by every node's poll. Rows are kept briefly.
 */
export const accessEventsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // The same auto-increment branching as 0001-initial.ts (a shipped migration never shares helpers).
    const dialect = sqlDialectOf(db);
    const autoId = (c: ColumnDefinitionBuilder) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity();
    await db.schema.alterTable('users').addColumn('token_generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('access_events')
      .addColumn('seq', 'integer', autoId)
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('generation', 'integer')
      .addColumn('family_id', 'text')
      .addColumn('conversation_id', 'integer')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('access_events_at').on('access_events').column('at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('access_events').execute();
    await db.schema.alterTable('users').dropColumn('token_generation').execute();
  },
};
