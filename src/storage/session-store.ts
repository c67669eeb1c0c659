import type { Kysely, Selectable } from 'kysely';
import { toUserId } from '../core/model/ids.js';
import type { OnlineSession } from '../core/model/relation.js';
import type { SessionStore } from '../core/ports/store.js';
import type { Database, OnlineSessionsTable } from './schema.js';

/** Map an `online_sessions` row to the model. */
export function toOnlineSession(row: Selectable<OnlineSessionsTable>): OnlineSession {
  return {
    id: row.id,
    userId: toUserId(row.user_id),
    nodeId: row.node_id,
    protocol: row.protocol,
    connectedAt: row.connected_at,
  };
}

/** The live-connection registry part of the Kysely store. */
export function createSessionStore(db: Kysely<Database>): SessionStore {
  return {
    async add(session) {
      const row = {
        id: session.id,
        user_id: session.userId,
        node_id: session.nodeId,
        protocol: session.protocol,
        connected_at: session.connectedAt,
      };
      // Re-adding a session id (a reconnect that reuses it) replaces the row instead of failing.
      const { id: _id, ...changes } = row;
      await db.insertInto('online_sessions').values(row).onConflict((oc) => oc.column('id').doUpdateSet(changes)).execute();
    },

    async remove(id) {
      await db.deleteFrom('online_sessions').where('id', '=', id).execute();
    },

    async removeNode(nodeId) {
      const rows = await db.deleteFrom('online_sessions').where('node_id', '=', nodeId).returning('user_id').execute();
      return [...new Set(rows.map((r) => r.user_id))].sort((a, b) => a - b).map(toUserId);
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

    async onlineUserIds() {
      const rows = await db.selectFrom('online_sessions').select('user_id').distinct().orderBy('user_id').execute();
      return rows.map((r) => toUserId(r.user_id));
    },
  };
}
