import type { DomainEvent } from '../events.js';
import type { ConversationId, UserId } from '../model/ids.js';

/**
 * Who is behind a live session, as the hub caches it: enough to decide, per event and without a
 * database read, whether this viewer may see it.
 */
export interface Viewer {
  /** null: an anonymous listener (connor), which only ever sees rooms. */
  readonly userId: UserId | null;
  /** The account's token generation when the session authenticated (User.tokenGeneration). */
  readonly generation: number;
  /** The login (refresh-token family) behind the session, for protocols that have one. */
  readonly familyId: string | null;
}

/** What an event changes for sessions that are already open; the hub applies it on every node. */
export type AccessChange =
  /** These sessions stop seeing the conversation: unsubscribed, and told in their protocol. */
  | { readonly kind: 'evict'; readonly conversationId: ConversationId; readonly userId: UserId | null }
  /**
   * These sessions end: closed, whatever they were doing. A remembered ending also ends a
   * session that identifies shortly afterwards with credentials read before it (a race with
   * authentication); a ban is not remembered, since authentication itself refuses it.
   */
  | { readonly kind: 'end'; readonly userId: UserId; readonly reason: string; readonly remember: boolean; readonly ends: (viewer: Viewer) => boolean };

/**
 * The access change an event makes, or null. Evictions apply after the event is delivered (a
 * removed member still hears of its own removal); endings apply before.
 */
export function accessChangeOf(event: DomainEvent): AccessChange | null {
  switch (event.type) {
    case 'member.left':
      return { kind: 'evict', conversationId: event.audience.conversationId, userId: event.user.id };
    case 'conversation.deleted':
      return { kind: 'evict', conversationId: event.audience.conversationId, userId: null };
    case 'user.banned':
      return event.conversationId === null
        ? { kind: 'end', userId: event.userId, reason: 'banned', remember: false, ends: () => true }
        : { kind: 'evict', conversationId: event.conversationId, userId: event.userId };
    case 'account.revoked':
      // Only sessions opened under an older generation: a login made after the change survives
      // even when the change reaches this node late (through the database poll).
      return { kind: 'end', userId: event.userId, reason: event.reason === 'disabled' ? 'account disabled' : 'session revoked', remember: true, ends: (v) => v.generation < event.generation };
    case 'token_family.revoked':
      return { kind: 'end', userId: event.userId, reason: 'session revoked', remember: true, ends: (v) => v.familyId === event.familyId };
    default:
      return null;
  }
}

/** Member lists up to this size are searched directly; longer ones get a Set once per event. */
const SMALL_AUDIENCE = 8;

/**
 * Who may see an event among the sessions subscribed to its conversation, or null when every
 * subscriber may (rooms: the shared case, encoded and framed once for all). A direct or group
 * conversation's event names its members at the time it was committed, so a session whose user
 * left, was removed or was never a member sees nothing of it, whatever it subscribed to and
 * whichever node made the change.
 */
export function viewerFilterOf(event: DomainEvent): ((viewer: Viewer) => boolean) | null {
  if (!('audience' in event) || event.audience.kind === 'room') return null;
  const ids = event.audience.memberIds;
  if (ids.length <= SMALL_AUDIENCE) return (v) => v.userId !== null && ids.includes(v.userId);
  const set = new Set(ids);
  return (v) => v.userId !== null && set.has(v.userId);
}
