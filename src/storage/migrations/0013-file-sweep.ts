import { sql, type Kysely, type Migration } from 'kysely';

/*
 * Indexes for issue 8 and 12. The unsent-upload sweep finds old uploads no message took and old
 * upload tasks without scanning: in SQLite `files.created_at` sits after the blob, so a scan would
 * read every stored file's bytes. A download checks whether a conversation still shows the file
 * as its avatar, which needs an index on `avatar_file_id`. Both indexes are partial, so they hold
 * only the few rows they serve.
 */
export const fileSweepMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('files_unsent_created_at').on('files').column('created_at').where(sql.ref('temporal_id'), 'is not', null).execute();
    await db.schema.createIndex('upload_tasks_created_at').on('upload_tasks').column('created_at').execute();
    await db.schema.createIndex('conversations_avatar_file_id').on('conversations').column('avatar_file_id').where(sql.ref('avatar_file_id'), 'is not', null).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('conversations_avatar_file_id').execute();
    await db.schema.dropIndex('upload_tasks_created_at').execute();
    await db.schema.dropIndex('files_unsent_created_at').execute();
  },
};
