import { sql, type Kysely, type Selectable } from 'kysely';
import type { Conversation, ConversationKind, Membership, MemberRole } from '../core/model/conversation.js';
import { toConversationId, toMessageId, toUserId, type ConversationId } from '../core/model/ids.js';
import type { ConversationStore } from '../core/ports/store.js';
import { compiledOnce } from './compiled-once.js';
import { findMemberAccess } from './member-access.js';
import { SERVER_WIDE } from './relation-store.js';
import { withLazyFlush } from './lazy-flush.js';
import type { ConversationsTable, Database, MembershipsTable } from './schema.js';

/** Map a `conversations` row to the model. */
export function toConversation(row: Selectable<ConversationsTable>): Conversation {
  return {
    id: toConversationId(row.id),
    kind: row.kind as ConversationKind,
    name: row.name,
    title: row.title,
    createdAt: row.created_at,
    avatarFileId: row.avatar_file_id,
  };
}

/** Map a `memberships` row to the model. */
export function toMembership(row: Selectable<MembershipsTable>): Membership {
  return {
    conversationId: toConversationId(row.conversation_id),
    userId: toUserId(row.user_id),
    role: row.role as MemberRole,
    lastReadMessageId: toMessageId(Number(row.last_read_message_id)),
    clearedThroughId: toMessageId(Number(row.cleared_through_id)),
    joinedAt: row.joined_at,
  };
}

/** The unique key of a pair's direct conversation, the same whichever way round the pair is named. */
const directKey = (a: number, b: number): string => (a <= b ? `${a}:${b}` : `${b}:${a}`);

/** A conversation by id: on every connect and many sends. */
const conversationById = compiledOnce((db, id: ConversationId) => db.selectFrom('conversations').selectAll().where('id', '=', id));

/** The conversation and membership part of the Kysely store. */
export function createConversationStore(db: Kysely<Database>): ConversationStore {
  const findById = async (id: ConversationId): Promise<Conversation | null> => {
    const [row] = await conversationById(db, id);
    return row === undefined ? null : toConversation(row);
  };
  const findRoomByName = async (name: string): Promise<Conversation | null> => {
    const row = await db
      .selectFrom('conversations')
      .selectAll()
      .where('kind', '=', 'room')
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? null : toConversation(row);
  };
  const selectMember = (conversationId: ConversationId, userId: number) =>
    db.selectFrom('memberships').selectAll().where('conversation_id', '=', conversationId).where('user_id', '=', userId);

  /**
   * The conversation with this unique key, created with these members when absent, in one
   * transaction: of concurrent callers on any node exactly one creates it.
   */
  async function ensureKeyed(key: string, kind: ConversationKind, members: readonly (readonly [number, MemberRole])[], createdAt: number) {
    return db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('conversations')
        .values({ kind, name: null, title: '', created_at: createdAt, direct_key: key })
        .onConflict((oc) => oc.column('direct_key').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) {
        const unique = [...new Map(members.map(([id, role]) => [id, role])).entries()];
        await trx.insertInto('memberships').values(unique.map(([user_id, role]) => ({ conversation_id: inserted.id, user_id, role, last_read_message_id: 0, joined_at: createdAt }))).execute();
        return { conversation: toConversation(inserted), created: true };
      }
      // Another call made it first (on any node): the unique key makes this the same row.
      const existing = await trx.selectFrom('conversations').selectAll().where('direct_key', '=', key).executeTakeFirstOrThrow();
      return { conversation: toConversation(existing), created: false };
    });
  }

  return {
    async create(conversation) {
      const row = await db
        .insertInto('conversations')
        .values({ kind: conversation.kind, name: conversation.name, title: conversation.title, created_at: conversation.createdAt })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toConversation(row);
    },

    findById,
    findRoomByName,
    memberAccess: (conversationId, userId, now) => findMemberAccess(db, conversationId, userId, now),

    async ensureRoom(name, createdAt) {
      // Insert-or-ignore then read is race-free across nodes: the partial unique index decides
      // which concurrent insert wins and the losers read the winner's row. The index predicate
      // is a literal so PostgreSQL can match the conflict target to the partial index. A new
      // room's title is its name. Retried because a concurrent delete may land in between.
      for (let attempt = 1; ; attempt++) {
        await db
          .insertInto('conversations')
          .values({ kind: 'room', name, title: name, created_at: createdAt })
          .onConflict((oc) => oc.column('name').where('kind', '=', sql.lit('room')).doNothing())
          .execute();
        const room = await findRoomByName(name);
        if (room !== null) return room;
        if (attempt === 3) throw new Error(`Room ${name} was deleted each time ensureRoom created it`);
      }
    },

    async findDirect(a, b) {
      const row = await db.selectFrom('conversations').selectAll().where('direct_key', '=', directKey(a, b)).executeTakeFirst();
      return row === undefined ? null : toConversation(row);
    },

    ensureDirect: (a, b, createdAt) => ensureKeyed(directKey(a, b), 'direct', [[a, 'member'], [b, 'member']], createdAt),
    ensureFavorites: (userId, createdAt) => ensureKeyed(`favorites:${userId}`, 'favorites', [[userId, 'owner']], createdAt),

    async releaseDirect(id) {
      await db.updateTable('conversations').set({ direct_key: null }).where('id', '=', id).execute();
    },

    async delete(id) {
      // Explicit deletes rather than relying on ON DELETE CASCADE alone: bans have no foreign
      // key (see BansTable), and the order keeps every foreign key satisfied at each step.
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('messages').where('conversation_id', '=', id).execute();
        await trx.deleteFrom('memberships').where('conversation_id', '=', id).execute();
        await trx.deleteFrom('bans').where('conversation_id', '=', id).execute();
        await trx.deleteFrom('conversations').where('id', '=', id).execute();
      });
    },

    async addMember(conversationId, userId, role, joinedAt) {
      await db
        .insertInto('memberships')
        .values({ conversation_id: conversationId, user_id: userId, role, last_read_message_id: 0, joined_at: joinedAt })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
        .execute();
      return toMembership(await selectMember(conversationId, userId).executeTakeFirstOrThrow());
    },

    async addMembers(conversationIds, userId, role, joinedAt) {
      if (conversationIds.length === 0) return;
      // The rooms a login joins, joined again at the next login if a power loss forgets them (lazy-flush.ts).
      await withLazyFlush(db, (d) => d
        .insertInto('memberships')
        .values(conversationIds.map((id) => ({ conversation_id: id, user_id: userId, role, last_read_message_id: 0, joined_at: joinedAt })))
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
        .execute());
    },

    async removeMember(conversationId, userId) {
      const result = await db
        .deleteFrom('memberships')
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async getMember(conversationId, userId) {
      const row = await selectMember(conversationId, userId).executeTakeFirst();
      return row === undefined ? null : toMembership(row);
    },

    async audienceIds(conversationId, now) {
      const rows = await db
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('m.user_id')
        .where('m.conversation_id', '=', conversationId)
        .where('u.is_disabled', '=', 0)
        .where((eb) => eb.not(eb.exists(
          eb.selectFrom('bans as b')
            .select('b.user_id')
            .whereRef('b.user_id', '=', 'm.user_id')
            .where('b.conversation_id', 'in', [SERVER_WIDE, conversationId])
            .where((w) => w.or([w('b.until', 'is', null), w('b.until', '>', now)])),
        )))
        .execute();
      return rows.map((r) => toUserId(r.user_id));
    },

    async listMembers(conversationId) {
      const rows = await db
        .selectFrom('memberships')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('joined_at')
        .orderBy('user_id')
        .execute();
      return rows.map(toMembership);
    },

    async listForUser(userId) {
      const rows = await db
        .selectFrom('conversations as c')
        .innerJoin('memberships as m', 'm.conversation_id', 'c.id')
        .selectAll('c')
        .where('m.user_id', '=', userId)
        .orderBy('c.id')
        .execute();
      return rows.map(toConversation);
    },

    async setAvatar(conversationId, fileId) {
      await db.updateTable('conversations').set({ avatar_file_id: fileId }).where('id', '=', conversationId).execute();
    },

    async setTitle(conversationId, title) {
      await db.updateTable('conversations').set({ title }).where('id', '=', conversationId).execute();
    },

    async clearFor(conversationId, userId, throughId) {
      await db.updateTable('memberships')
        .set({ cleared_through_id: throughId })
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .execute();
    },

    async setRole(conversationId, userId, role) {
      await db
        .updateTable('memberships')
        .set({ role })
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .execute();
    },

    async setReadPosition(conversationId, userId, messageId) {
      // The condition makes this forward-only without a read-modify-write race.
      await db
        .updateTable('memberships')
        .set({ last_read_message_id: messageId })
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .where('last_read_message_id', '<', messageId)
        .execute();
    },
  };
}
