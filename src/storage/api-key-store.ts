import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyStore, StoredApiKey } from '../core/ports/api-key-store.js';
import type { ApiKeysTable, Database } from './schema.js';

const toKey = (row: Selectable<ApiKeysTable>): StoredApiKey => ({ id: row.id, secretHash: row.secret_hash, name: row.name, createdAt: Number(row.created_at) });

/** The API-key part of the Kysely store. */
export function createApiKeyStore(db: Kysely<Database>): ApiKeyStore {
  return {
    async create(key) {
      await db.insertInto('api_keys').values({ id: key.id, secret_hash: key.secretHash, name: key.name, created_at: key.createdAt }).execute();
    },
    async find(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toKey(row) : null;
    },
    async list() {
      return (await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(toKey);
    },
    async delete(id) {
      const result = await db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows === 1n;
    },
  };
}
