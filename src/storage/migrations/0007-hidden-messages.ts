import type { Kysely, Migration } from 'kysely';

/* Messages a user removed for itself only (TrueConf removeMessage with forAll: false). */
export const hiddenMessagesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('hidden_messages')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('hidden_messages_pk', ['user_id', 'message_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('hidden_messages').execute();
  },
};
