import type { Kysely, Migration } from 'kysely';
import { sqlDialectOf } from '../sql-dialects/sql-dialect-of.js';

/*
 * Files sent as messages. The bytes live in the database (a blob / bytea), so every node can
 * serve a download without shared storage; message rows carry the attachment's metadata so that
 * history reads need no join. Upload tasks are the TrueConf-style permission to upload one file.
 */
export const filesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = sqlDialectOf(db) === 'sqlite' ? 'blob' : 'bytea';
    for (const [name, type] of [['attachment_file_id', 'text'], ['attachment_name', 'text'], ['attachment_size', 'bigint'], ['attachment_mime', 'text']] as const) {
      await db.schema.alterTable('messages').addColumn(name, type).execute();
    }
    await db.schema
      .createTable('files')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('temporal_id', 'text', (c) => c.unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('mime_type', 'text', (c) => c.notNull())
      .addColumn('data', bytes, (c) => c.notNull())
      .addColumn('uploader_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('upload_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('file_size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('messages_attachment_file_id').on('messages').column('attachment_file_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('messages_attachment_file_id').execute();
    await db.schema.dropTable('upload_tasks').execute();
    await db.schema.dropTable('files').execute();
    for (const name of ['attachment_mime', 'attachment_size', 'attachment_name', 'attachment_file_id']) {
      await db.schema.alterTable('messages').dropColumn(name).execute();
    }
  },
};
