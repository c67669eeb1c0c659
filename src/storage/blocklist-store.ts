import type { Kysely } from 'kysely';
import { toUsernameKey } from '../core/model/username.js';
import type { BlocklistStore } from '../core/ports/blocklist-store.js';
import { compiledOnce } from './compiled-once.js';
import type { Database } from './schema.js';

/** A cached blocklist by username key: on every BareRTC login. */
const blocklistByKey = compiledOnce((db, key: string) => db.selectFrom('cached_blocklists').select('names_json').where('username_key', '=', key));

/** Cached blocklists (migration 0017), one row per username key. */
export function createBlocklistStore(db: Kysely<Database>): BlocklistStore {
  return {
    async set(username, names, at) {
      const row = { username_key: toUsernameKey(username), names_json: JSON.stringify(names), updated_at: at };
      await db.insertInto('cached_blocklists').values(row).onConflict((oc) => oc.column('username_key').doUpdateSet({ names_json: row.names_json, updated_at: at })).execute();
    },
    async get(username) {
      const [row] = await blocklistByKey(db, toUsernameKey(username));
      return row ? (JSON.parse(row.names_json) as string[]) : [];
    },
  };
}
