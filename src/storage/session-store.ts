import type { Kysely, Selectable } from 'kysely';
import { toUserId, type UserId } from '../core/model/ids.js';
import type { OnlineSession, SessionState } from '../core/model/relation.js';
import type { SessionStore } from '../core/ports/store.js';
import { compiledOnce } from './compiled-once.js';
import { withLazyFlush } from './lazy-flush.js';
import { sqlDialectOf } from './sql-dialects/sql-dialect-of.js';
import type { Database, OnlineSessionsTable } from './schema.js';

/** One live session of the user, if any: on every connect and disconnect. */
const anySessionOf = compiledOnce((db, userId: UserId) => db.selectFrom('online_sessions').select('id').where('user_id', '=', userId).limit(1));

/** Map an `online_sessions` row to the model. */
export function toOnlineSession(row: Selectable<OnlineSessionsTable>): OnlineSession {
  return {
    id: row.id,
    userId: toUserId(row.user_id),
    nodeId: row.node_id,
    protocol: row.protocol,
    connectedAt: Number(row.connected_at),
    state: row.state_json === null ? null : (JSON.parse(row.state_json) as SessionState),
  };
}

const distinctUserIds = (rows: readonly { user_id: number }[]) => [...new Set(rows.map((r) => r.user_id))].sort((a, b) => a - b).map(toUserId);

/**
 * The live-connection registry part of the Kysely store. Its rows live as long as a connection:
 * on PostgreSQL they are written without waiting for the disk (lazy-flush.ts); on SQLite they are
 * in memory anyway (sqlite-live-tables.ts).
 */
export function createSessionStore(db: Kysely<Database>): SessionStore {
  const lazy = sqlDialectOf(db) === 'postgres';
  const write = <T>(w: (d: Kysely<Database>) => Promise<T>): Promise<T> => (lazy ? withLazyFlush(db, w) : w(db));
  return {
    async add(session) {
      const row = {
        id: session.id,
        user_id: session.userId,
        node_id: session.nodeId,
        protocol: session.protocol,
        connected_at: session.connectedAt,
        state_json: session.state == null ? null : JSON.stringify(session.state),
      };
      // Re-adding a session id (a reconnect that reuses it) replaces the row instead of failing.
      const { id: _id, ...changes } = row;
      await write((d) => d.insertInto('online_sessions').values(row).onConflict((oc) => oc.column('id').doUpdateSet(changes)).execute());
    },

    async remove(id) {
      const row = await write((d) => d.deleteFrom('online_sessions').where('id', '=', id).returningAll().executeTakeFirst());
      return row === undefined ? null : toOnlineSession(row);
    },

    async removeNode(nodeId) {
      const rows = await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('nodes').where('id', '=', nodeId).execute();
        return trx.deleteFrom('online_sessions').where('node_id', '=', nodeId).returning('user_id').execute();
      });
      return distinctUserIds(rows);
    },

    async heartbeat(nodeId, now) {
      await db.insertInto('nodes').values({ id: nodeId, last_seen: now }).onConflict((oc) => oc.column('id').doUpdateSet({ last_seen: now })).execute();
    },

    async removeStaleNodes(cutoff) {
      const rows = await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('nodes').where('last_seen', '<', cutoff).execute();
        // A session whose node has no heartbeat left belongs to a node that is gone.
        return trx
          .deleteFrom('online_sessions')
          .where('node_id', 'not in', (qb) => qb.selectFrom('nodes').select('id'))
          .returning('user_id')
          .execute();
      });
      return distinctUserIds(rows);
    },

    async listForUser(userId) {
      const rows = await db
        .selectFrom('online_sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('connected_at')
        .orderBy('id')
        .execute();
      return rows.map(toOnlineSession);
    },

    async setState(id, state) {
      const result = await write((d) => d.updateTable('online_sessions').set({ state_json: JSON.stringify(state) }).where('id', '=', id).executeTakeFirst());
      return Number(result.numUpdatedRows) > 0;
    },

    async listByProtocol(protocol) {
      const rows = await db.selectFrom('online_sessions').selectAll().where('protocol', '=', protocol).orderBy('connected_at').orderBy('id').execute();
      return rows.map(toOnlineSession);
    },

    async hasSessions(userId) {
      const [row] = await anySessionOf(db, userId);
      return row !== undefined;
    },

    async onlineUserIds() {
      const rows = await db.selectFrom('online_sessions').select('user_id').distinct().orderBy('user_id').execute();
      return rows.map((r) => toUserId(r.user_id));
    },
  };
}
