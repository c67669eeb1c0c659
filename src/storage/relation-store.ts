import type { Kysely, Selectable } from 'kysely';
import { toConversationId, toUserId, type ConversationId, type UserId } from '../core/model/ids.js';
import type { Ban, Relation, RelationKind } from '../core/model/relation.js';
import type { RelationStore } from '../core/ports/store.js';
import { compiledOnce } from './compiled-once.js';
import type { BansTable, Database } from './schema.js';

/**
 * The relations a user owns and the blocks aimed at it, on every login: two indexed lookups (the
 * primary key by owner, relations_target by target) rather than one OR.
 */
const relationsInvolving = compiledOnce((db, userId: UserId) =>
  db
    .selectFrom('relations')
    .select(['owner_id', 'target_id', 'kind'])
    .where('owner_id', '=', userId)
    .unionAll((qb) => qb.selectFrom('relations').select(['owner_id', 'target_id', 'kind']).where('target_id', '=', userId).where('kind', '=', 'block').where('owner_id', '<>', userId))
    .orderBy('owner_id')
    .orderBy('target_id')
    .orderBy('kind'),
);

/** `bans.conversation_id` of a server-wide ban (see BansTable). */
export const SERVER_WIDE = 0;
const toBanScope = (conversationId: ConversationId | null): number => conversationId ?? SERVER_WIDE;

/** Map a `bans` row to the model (the 0 sentinel becomes null). */
export function toBan(row: Selectable<BansTable>): Ban {
  return {
    userId: toUserId(row.user_id),
    conversationId: row.conversation_id === SERVER_WIDE ? null : toConversationId(row.conversation_id),
    reason: row.reason,
    until: row.until,
  };
}

/** Owners per query of relations.among. */
const AMONG_SLICE = 5000;

const toRelation = (row: { owner_id: number; target_id: number; kind: string }): Relation => ({
  ownerId: toUserId(row.owner_id),
  targetId: toUserId(row.target_id),
  kind: row.kind as RelationKind,
});

/** The relations (mute, block) and bans part of the Kysely store. */
export function createRelationStore(db: Kysely<Database>): RelationStore {
  return {
    async add({ ownerId, targetId, kind }) {
      const result = await db
        .insertInto('relations')
        .values({ owner_id: ownerId, target_id: targetId, kind })
        .onConflict((oc) => oc.columns(['owner_id', 'target_id', 'kind']).doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    async remove({ ownerId, targetId, kind }) {
      const result = await db
        .deleteFrom('relations')
        .where('owner_id', '=', ownerId)
        .where('target_id', '=', targetId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async list(ownerId, kind) {
      const rows = await db
        .selectFrom('relations')
        .select('target_id')
        .where('owner_id', '=', ownerId)
        .where('kind', '=', kind)
        .orderBy('target_id')
        .execute();
      return rows.map((r) => ({ ownerId, targetId: toUserId(r.target_id), kind }));
    },

    async has(ownerId, targetId, kind: RelationKind) {
      const row = await db
        .selectFrom('relations')
        .select('kind')
        .where('owner_id', '=', ownerId)
        .where('target_id', '=', targetId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      return row !== undefined;
    },

    async among(userIds, kinds) {
      if (userIds.length === 0 || kinds.length === 0) return [];
      const ids = [...new Set(userIds)].sort((x, y) => x - y);
      const wanted = new Set<number>(ids);
      const out: Relation[] = [];
      // By owner through the primary key, in slices that stay under both dialects' bound-parameter
      // limits however many users are online; the target is filtered here (few relations per owner).
      for (let i = 0; i < ids.length; i += AMONG_SLICE) {
        const rows = await db
          .selectFrom('relations')
          .select(['owner_id', 'target_id', 'kind'])
          .where('owner_id', 'in', ids.slice(i, i + AMONG_SLICE))
          .where('kind', 'in', [...kinds])
          .orderBy('owner_id')
          .orderBy('target_id')
          .orderBy('kind')
          .execute();
        for (const row of rows) if (wanted.has(row.target_id)) out.push(toRelation(row));
      }
      return out;
    },

    async involving(userId) {
      return (await relationsInvolving(db, userId)).map(toRelation);
    },

    async ban({ userId, conversationId, reason, until }) {
      await db
        .insertInto('bans')
        .values({ user_id: userId, conversation_id: toBanScope(conversationId), reason, until })
        .onConflict((oc) => oc.columns(['user_id', 'conversation_id']).doUpdateSet({ reason, until }))
        .execute();
    },

    async unban(userId, conversationId) {
      const result = await db
        .deleteFrom('bans')
        .where('user_id', '=', userId)
        .where('conversation_id', '=', toBanScope(conversationId))
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async serverBans(now) {
      const rows = await db
        .selectFrom('bans')
        .innerJoin('users', 'users.id', 'bans.user_id')
        .select(['bans.user_id', 'bans.conversation_id', 'bans.reason', 'bans.until', 'users.username'])
        .where('bans.conversation_id', '=', SERVER_WIDE)
        .where((eb) => eb.or([eb('bans.until', 'is', null), eb('bans.until', '>', now)]))
        .orderBy('users.username')
        .execute();
      return rows.map((row) => ({ ...toBan(row), username: row.username }));
    },

    async findActiveBan(userId, conversationId, now) {
      // A server-wide ban applies everywhere, so it is checked alongside the conversation's own
      // and reported first when both are in force. `until` is exclusive: expired at `until`.
      const row = await db
        .selectFrom('bans')
        .selectAll()
        .where('user_id', '=', userId)
        .where('conversation_id', 'in', [SERVER_WIDE, toBanScope(conversationId)])
        .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
        .orderBy('conversation_id')
        .executeTakeFirst();
      return row === undefined ? null : toBan(row);
    },
  };
}
