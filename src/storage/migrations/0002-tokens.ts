import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import { sqlDialectOf } from '../sql-dialects/sql-dialect-of.js';

/*
 * Opaque tokens (only their keyed hashes) and the release mailing list. Every token row belongs
 * to a user and goes with it (ON DELETE CASCADE; SQLite enforces it because sql-dialects/sqlite.ts
 * turns foreign_keys on). Timestamps are Unix milliseconds in bigint columns, as in 0001.
 */

/** Token tables (access, refresh, e-mail codes, password resets) and `email_subscribers`. */
export const tokensMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // The same auto-increment branching as 0001-initial.ts, repeated rather than shared so that a
    // shipped migration never changes when a helper does. Both new id columns are `integer` on
    // both dialects (SQLite only auto-increments a column declared exactly `integer primary key`).
    const dialect = sqlDialectOf(db);
    const autoId = (c: ColumnDefinitionBuilder) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity();
    const userRef = (c: ColumnDefinitionBuilder) => c.notNull().references('users.id').onDelete('cascade');

    await db.schema
      .createTable('access_tokens')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', userRef)
      .addColumn('family_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', userRef)
      .addColumn('family_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('rotated_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    // Revocation works by family and by user on both token tables.
    for (const table of ['access_tokens', 'refresh_tokens']) {
      await db.schema.createIndex(`${table}_family_id`).on(table).column('family_id').execute();
      await db.schema.createIndex(`${table}_user_id`).on(table).column('user_id').execute();
    }

    await db.schema
      .createTable('email_codes')
      .addColumn('id', 'integer', autoId)
      .addColumn('user_id', 'integer', userRef)
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // newestEmailCode reads the user's highest id.
    await db.schema.createIndex('email_codes_user_id_id').on('email_codes').columns(['user_id', 'id']).execute();

    await db.schema
      .createTable('reset_tokens')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', userRef)
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // PostgreSQL does not index foreign keys; without this a user delete scans the table.
    await db.schema.createIndex('reset_tokens_user_id').on('reset_tokens').column('user_id').execute();

    await db.schema
      .createTable('email_subscribers')
      .addColumn('id', 'integer', autoId)
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_key', 'text', (c) => c.notNull())
      .addColumn('subscribed_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('email_subscribers_email_key').unique().on('email_subscribers').column('email_key').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['email_subscribers', 'reset_tokens', 'email_codes', 'refresh_tokens', 'access_tokens']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
