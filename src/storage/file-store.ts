import type { Kysely, Selectable } from 'kysely';
import { toUserId } from '../core/model/ids.js';
import type { FileStore, StoredFile } from '../core/ports/file-store.js';
import type { Database, FilesTable } from './schema.js';

const META = ['id', 'name', 'size', 'mime_type', 'uploader_id', 'created_at'] as const;

function toFile(row: Pick<Selectable<FilesTable>, (typeof META)[number]>): StoredFile {
  return { id: row.id, name: row.name, size: Number(row.size), mimeType: row.mime_type, uploaderId: toUserId(row.uploader_id), createdAt: Number(row.created_at) };
}

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
      const row = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? { file: toFile(row), data: row.data } : null; // the driver's buffer, not a copy
    },

    async canRead(id, userId) {
      const file = await db.selectFrom('files').select('uploader_id').where('id', '=', id).executeTakeFirst();
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
  };
}
