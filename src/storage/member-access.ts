import type { Kysely } from 'kysely';
import type { ConversationId, UserId } from '../core/model/ids.js';
import type { MemberAccess } from '../core/ports/store.js';
import { compiledOnce } from './compiled-once.js';
import { toConversation, toMembership } from './conversation-store.js';
import { SERVER_WIDE } from './relation-store.js';
import type { Database } from './schema.js';

/** The conversation, the user's membership, account flag and ban, in one indexed read. */
const memberAccessRow = compiledOnce((db, conversationId: ConversationId, userId: UserId, now: number) =>
  db
    .selectFrom('conversations as c')
    .leftJoin('memberships as m', (j) => j.onRef('m.conversation_id', '=', 'c.id').on('m.user_id', '=', userId))
    .leftJoin('users as u', (j) => j.on('u.id', '=', userId))
    .select(['c.id', 'c.kind', 'c.name', 'c.title', 'c.created_at', 'c.direct_key', 'c.avatar_file_id', 'm.role', 'm.last_read_message_id', 'm.cleared_through_id', 'm.joined_at', 'u.is_disabled'])
    .select((eb) =>
      eb
        .selectFrom('bans')
        .select('reason')
        .where('user_id', '=', userId)
        .where('conversation_id', 'in', [SERVER_WIDE, conversationId])
        .where((b) => b.or([b('until', 'is', null), b('until', '>', now)]))
        .orderBy('conversation_id')
        .limit(1)
        .as('ban_reason'),
    )
    .where('c.id', '=', conversationId),
);

/**
 * ConversationStore.memberAccess: one indexed read on the hot path of every send, instead of
 * one query each for the conversation, the membership, the account and the bans; its SQL is
 * compiled once.
 */
export async function findMemberAccess(db: Kysely<Database>, conversationId: ConversationId, userId: UserId, now: number): Promise<MemberAccess | null> {
  const [row] = await memberAccessRow(db, conversationId, userId, now);
  if (row === undefined) return null;
  return {
    conversation: toConversation({ id: row.id, kind: row.kind, name: row.name, title: row.title, created_at: row.created_at, direct_key: row.direct_key, avatar_file_id: row.avatar_file_id }),
    membership: row.role === null || row.last_read_message_id === null || row.joined_at === null || row.cleared_through_id === null
      ? null
      : toMembership({ conversation_id: row.id, user_id: userId, role: row.role, last_read_message_id: row.last_read_message_id, cleared_through_id: row.cleared_through_id, joined_at: row.joined_at }),
    userDisabled: Boolean(row.is_disabled),
    banReason: row.ban_reason ?? null,
  };
}
