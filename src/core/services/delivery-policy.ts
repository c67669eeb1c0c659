import type { DomainEvent } from '../events.js';
import type { ConversationId, UserId } from '../model/ids.js';
import type { Relation } from '../model/relation.js';

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

/**
 * Why a viewer is not shown another user's messages (bits; reference/barertc.md §4.6): the viewer
 * muted them, blocked them, or was blocked by them. Being muted by someone hides nothing from the
 * viewer (the muter stops hearing the viewer, not the other way round).
 */
export const HiddenBecause = { Muted: 1, Blocked: 2, BlockedBy: 4 } as const;

/**
 * A viewer's hidden authors: user id → HiddenBecause bits, never 0. The hub keeps one per
 * identified session, null when empty, so a session with no relations costs one null check per
 * delivery and shares the framed-once path.
 */
export type HiddenAuthors = Map<UserId, number>;

/** A relation set or lifted, as relation.changed carries it. */
export type RelationChange = Relation & { readonly added: boolean };

/** The other user and the bit a relation means for `viewer`, or null when it hides nothing from it. */
function hidingBit(viewer: UserId, r: Relation): readonly [UserId, number] | null {
  if (r.ownerId === viewer && r.targetId !== viewer) return [r.targetId, r.kind === 'mute' ? HiddenBecause.Muted : HiddenBecause.Blocked];
  if (r.targetId === viewer && r.ownerId !== viewer && r.kind === 'block') return [r.ownerId, HiddenBecause.BlockedBy];
  return null;
}

/** The hidden authors of a viewer from the relations it takes part in (store.relations.involving); null when none. */
export function hiddenAuthorsOf(viewer: UserId, relations: readonly Relation[]): HiddenAuthors | null {
  let hidden: HiddenAuthors | null = null;
  for (const r of relations) {
    const bit = hidingBit(viewer, r);
    if (bit === null) continue;
    hidden ??= new Map();
    hidden.set(bit[0], (hidden.get(bit[0]) ?? 0) | bit[1]);
  }
  return hidden;
}

/**
 * The viewer's hidden authors after a relation change (updated in place when there is a map).
 * Setting or clearing a bit is idempotent, so a change applied twice, or one already in what was
 * loaded from the store, leaves the same result; and lifting a mute leaves a block standing.
 */
export function applyRelationChange(hidden: HiddenAuthors | null, viewer: UserId, change: RelationChange): HiddenAuthors | null {
  const bit = hidingBit(viewer, change);
  if (bit === null) return hidden;
  const [other, mask] = bit;
  const before = hidden?.get(other) ?? 0;
  const after = change.added ? before | mask : before & ~mask;
  if (after === before) return hidden;
  if (after !== 0) return (hidden ?? new Map()).set(other, after);
  hidden?.delete(other);
  return hidden === null || hidden.size === 0 ? null : hidden;
}

/**
 * The user whose mutes and blocks decide who may see this event, or null when they do not apply:
 * messages and their edits (rooms, direct and group conversations alike — BareRTC drops a muted
 * user's DMs to the muter, §4.7), typing, and broadcasts attributed to a user (BareRTC reactions).
 */
export function hidingAuthorOf(event: DomainEvent): UserId | null {
  switch (event.type) {
    case 'message.created':
    case 'message.edited':
      return event.author.id;
    case 'typing.started':
      return event.user.id;
    case 'protocol.broadcast':
      return event.authorId;
    default:
      return null;
  }
}

/** Whether a viewer with these hidden authors may see an event that `author` set off (hidingAuthorOf). */
export const hiddenFrom = (hidden: HiddenAuthors | null, author: UserId | null): boolean => author !== null && hidden !== null && hidden.has(author);
