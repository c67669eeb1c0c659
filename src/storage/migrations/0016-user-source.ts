import type { Kysely, Migration } from 'kysely';

/*
 * Issue 10: where an account came from (User.source). BareRTC's website users (single sign-on)
 * and guests are Parley accounts without a password; the source keeps them apart from accounts
 * registered with Parley, so a website user never takes over a registered account and a guest
 * never takes a registered name. Existing accounts are all `local`.
 */
export const userSourceMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('source', 'text', (c) => c.notNull().defaultTo('local')).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').dropColumn('source').execute();
  },
};
