import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { toUserId } from '../core/model/ids.js';
import type { FileStore, StoredFile } from '../core/ports/file-store.js';
import type { Database, FilesTable } from './schema.js';

const META = ['id', 'name', 'size', 'mime_type', 'uploader_id', 'created_at'] as const;

function toFile(row: Pick<Selectable<FilesTable>, (typeof META)[number]>): StoredFile {
  return { id: row.id, name: row.name, size: Number(row.size), mimeType: row.mime_type, uploaderId: toUserId(row.uploader_id), createdAt: Number(row.created_at) };
}

/**
 * Whether something still shows the file in the row at hand: a message that is not deleted
 * carries it, or a conversation has it as its avatar (both indexed: 0004, 0013).
 */
const isShown = (eb: ExpressionBuilder<Database, 'files'>) => eb.or([
  eb.exists(eb.selectFrom('messages as msg').select('msg.id').whereRef('msg.attachment_file_id', '=', 'files.id').where('msg.deleted_at', 'is', null)),
  eb.exists(eb.selectFrom('conversations as c').select('c.id').whereRef('c.avatar_file_id', '=', 'files.id')),
]);

/** The file part of the Kysely store. */
export function createFileStore(db: Kysely<Database>): FileStore {
  return {
    async createTask(task) {
      await db.insertInto('upload_tasks').values({ id: task.id, user_id: task.userId, file_name: task.fileName, file_size: task.fileSize, created_at: task.createdAt, used_at: null }).execute();
    },

    async consumeTask(id, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx.updateTable('upload_tasks').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return null;
        const row = await trx.selectFrom('upload_tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        return { id: row.id, userId: toUserId(row.user_id), fileName: row.file_name, fileSize: Number(row.file_size) };
      });
    },

    async findTask(id) {
      const row = await db.selectFrom('upload_tasks').selectAll().where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
      return row ? { id: row.id, userId: toUserId(row.user_id), fileName: row.file_name, fileSize: Number(row.file_size) } : null;
    },

    async findTemporal(temporalId) {
      const row = await db.selectFrom('files').select(META).where('temporal_id', '=', temporalId).executeTakeFirst();
      return row ? toFile(row) : null;
    },

    async restoreTemporal(fileId, temporalId) {
      await db.updateTable('files').set({ temporal_id: temporalId }).where('id', '=', fileId).where('temporal_id', 'is', null).execute();
    },

    async create(file) {
      await db.insertInto('files').values({
        id: file.id, temporal_id: file.temporalId, name: file.name, size: file.size, mime_type: file.mimeType, data: file.data, uploader_id: file.uploaderId, created_at: file.createdAt,
      }).execute();
    },

    async takeTemporal(temporalId) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('files').select(META).where('temporal_id', '=', temporalId).executeTakeFirst();
        if (!row) return null;
        const result = await trx.updateTable('files').set({ temporal_id: null }).where('id', '=', row.id).where('temporal_id', '=', temporalId).executeTakeFirst();
        return result.numUpdatedRows === 1n ? toFile(row) : null;
      });
    },

    async find(id) {
      const row = await db.selectFrom('files').select(META).where('id', '=', id).executeTakeFirst();
      return row ? toFile(row) : null;
    },

    async read(id) {
      // Issue 12: the check runs in the database, so a message deleted through one node ends the
      // download on every node at once.
      const row = await db.selectFrom('files').selectAll().where('id', '=', id).where(isShown).executeTakeFirst();
      return row ? { file: toFile(row), data: row.data } : null; // the driver's buffer, not a copy
    },

    async canRead(id, userId) {
      const file = await db.selectFrom('files').select('uploader_id').where('id', '=', id).where(isShown).executeTakeFirst();
      if (!file) return false;
      if (file.uploader_id === userId) return true;
      const shared = await db
        .selectFrom('messages as msg')
        .innerJoin('memberships as m', (j) => j.onRef('m.conversation_id', '=', 'msg.conversation_id').on('m.user_id', '=', userId))
        .select('msg.id')
        .where('msg.attachment_file_id', '=', id)
        .where('msg.deleted_at', 'is', null)
        .limit(1)
        .executeTakeFirst();
      return shared !== undefined;
    },

    async deleteUnsent(before) {
      // `temporal_id is not null` is re-checked on the row being deleted, so a concurrent
      // takeTemporal (which clears it) wins over the sweep on SQLite and PostgreSQL alike.
      const files = await db.deleteFrom('files').where('temporal_id', 'is not', null).where('created_at', '<', before).executeTakeFirst();
      const tasks = await db.deleteFrom('upload_tasks').where('created_at', '<', before).executeTakeFirst();
      return { files: Number(files.numDeletedRows), tasks: Number(tasks.numDeletedRows) };
    },
  };
}
