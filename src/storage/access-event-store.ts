import type { Kysely, Selectable } from 'kysely';
import type { AccessEvent } from '../core/events.js';
import { toConversationId, toUserId } from '../core/model/ids.js';
import type { AccessEventStore, StoredAccessEvent } from '../core/ports/access-event-store.js';
import type { AccessEventsTable, Database } from './schema.js';

/** The access-event feed over the `access_events` table. */
export function createAccessEventStore(db: Kysely<Database>): AccessEventStore {
  return {
    async append(event, at) {
      await db.insertInto('access_events').values({ ...toRow(event), at }).execute();
    },
    async since(cursor, limit) {
      const rows = await db
        .selectFrom('access_events')
        .selectAll()
        .where('at', '>=', cursor.at)
        .where((eb) => eb.or([eb('at', '>', cursor.at), eb('seq', '>', cursor.seq)]))
        .orderBy('at')
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.flatMap((row) => {
        const event = toEvent(row);
        return event ? [{ seq: Number(row.seq), at: Number(row.at), event } satisfies StoredAccessEvent] : [];
      });
    },
    async prune(before) {
      const result = await db.deleteFrom('access_events').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toRow(event: AccessEvent): Omit<AccessEventsTable, 'seq' | 'at'> {
  const base = { user_id: event.userId, generation: null, family_id: null, conversation_id: null };
  switch (event.type) {
    case 'account.revoked':
      return { ...base, kind: `revoked:${event.reason}`, generation: event.generation };
    case 'token_family.revoked':
      return { ...base, kind: 'family_revoked', family_id: event.familyId };
    case 'user.banned':
      return { ...base, kind: 'banned', conversation_id: event.conversationId };
  }
}

/** A row written by this or a newer build; kinds this build does not know are skipped. */
function toEvent(row: Selectable<AccessEventsTable>): AccessEvent | null {
  const userId = toUserId(Number(row.user_id));
  const [kind, reason] = row.kind.split(':');
  if (kind === 'revoked' && row.generation !== null && (reason === 'disabled' || reason === 'password' || reason === 'sessions')) {
    return { type: 'account.revoked', userId, generation: Number(row.generation), reason };
  }
  if (kind === 'family_revoked' && row.family_id !== null) return { type: 'token_family.revoked', userId, familyId: row.family_id };
  if (kind === 'banned') return { type: 'user.banned', userId, conversationId: row.conversation_id === null ? null : toConversationId(Number(row.conversation_id)) };
  return null;
}
