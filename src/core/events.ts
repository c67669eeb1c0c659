import type { Conversation, ConversationKind, MemberRole } from './model/conversation.js';
import type { ConversationId, MessageId, UserId } from './model/ids.js';
import type { Message } from './model/message.js';
import type { OnlineSession, RelationKind, SessionState } from './model/relation.js';

/** Author fields every protocol needs to render a message without another lookup. */
export interface EventAuthor {
  readonly id: UserId;
  readonly username: string;
  readonly displayName: string;
}

/** Where an event goes: everyone watching the conversation, and for non-rooms its members' own sockets. */
export interface EventAudience {
  readonly conversationId: ConversationId;
  readonly kind: ConversationKind;
  /** Member ids for direct and group conversations; empty for rooms (subscribers are found by conversation). */
  readonly memberIds: readonly UserId[];
  /**
   * The conversation's title (a room's name when it has none), for protocols that show the chat
   * with every message (TrueConf's envelope `chat`). Absent in events from older builds.
   */
  readonly title?: string;
}

/** A stored message with its author, and for a forward the message it copies, so fan-out needs no lookup. */
export interface AuthoredMessage {
  readonly message: Message;
  readonly author: EventAuthor;
  readonly forwarded?: { readonly message: Message; readonly author: EventAuthor };
}

/**
 * Domain events: facts, in the past tense, that travel on the bus to every node. They carry
 * everything a protocol needs to encode them, so fan-out never touches the store.
 */
export type DomainEvent =
  /** `replyTo`: the replied-to message when it still exists (not deleted); protocols show it with the reply. */
  | { readonly type: 'message.created'; readonly audience: EventAudience; readonly message: Message; readonly author: EventAuthor; readonly forwarded?: { readonly message: Message; readonly author: EventAuthor }; readonly replyTo?: AuthoredMessage }
  | { readonly type: 'message.edited'; readonly audience: EventAudience; readonly message: Message; readonly author: EventAuthor }
  | { readonly type: 'message.deleted'; readonly audience: EventAudience; readonly messageId: MessageId; readonly deletedBy: EventAuthor }
  /** `lastMessage`: the newest message the new member sees there (deleted ones and forwards left out), if any. */
  | { readonly type: 'member.joined'; readonly audience: EventAudience; readonly user: EventAuthor; readonly conversation: Conversation; readonly role: MemberRole; readonly addedBy?: EventAuthor; readonly at: number; readonly lastMessage?: AuthoredMessage }
  | { readonly type: 'member.left'; readonly audience: EventAudience; readonly user: EventAuthor; readonly removedBy?: EventAuthor; readonly at: number }
  | { readonly type: 'member.role_changed'; readonly audience: EventAudience; readonly user: EventAuthor; readonly role: MemberRole; readonly at: number }
  | { readonly type: 'conversation.renamed'; readonly audience: EventAudience; readonly title: string; readonly by: EventAuthor; readonly at: number }
  | { readonly type: 'conversation.avatar_changed'; readonly audience: EventAudience; readonly fileId: string; readonly by: EventAuthor; readonly at: number }
  | { readonly type: 'conversation.deleted'; readonly audience: EventAudience }
  | { readonly type: 'history.cleared'; readonly audience: EventAudience; readonly forAll: boolean; readonly by: EventAuthor }
  | { readonly type: 'presence.changed'; readonly user: EventAuthor; readonly online: boolean }
  /**
   * The roster of live sessions with a public state changed (a session of `protocol` came, went or
   * changed its state; null: any protocol, e.g. a node's sessions were swept). `delta` says what
   * changed, so a node can keep its copy of the roster without reading the registry; an event
   * with neither a delta nor a notice means "read the registry again".
   */
  | { readonly type: 'roster.changed'; readonly protocol: string | null; readonly notice?: RosterNotice; readonly delta?: RosterDelta }
  /** A frame, already in `protocol`'s wire shape, for one user's sessions of that protocol (BareRTC's WebRTC signalling relay). */
  | { readonly type: 'session.signal'; readonly protocol: string; readonly userId: UserId; readonly payload: string }
  /** A frame, already in `protocol`'s wire shape, for every session of that protocol, from `authorId` (BareRTC's reactions). */
  | { readonly type: 'protocol.broadcast'; readonly protocol: string; readonly authorId: UserId; readonly payload: string }
  /** Every node re-reads `protocol`'s settings from its own settings file (BareRTC's `/reconfigure`). Not shown to clients. */
  | { readonly type: 'settings.reload'; readonly protocol: string }
  /** Ephemeral: not stored, dropped first for slow readers. */
  | { readonly type: 'typing.started'; readonly audience: EventAudience; readonly user: EventAuthor }
  /**
   * A mute or block was set (`added`) or lifted. Every node's hub updates the hidden-author sets
   * it caches for the live sessions of both users (delivery-policy.ts), so it holds at the next
   * delivery. Not shown to clients.
   */
  | { readonly type: 'relation.changed'; readonly ownerId: UserId; readonly targetId: UserId; readonly kind: RelationKind; readonly added: boolean }
  | AccessEvent;

/** One change to a protocol's roster of sessions (roster.changed). */
export type RosterDelta =
  | { readonly kind: 'added'; readonly session: OnlineSession }
  | { readonly kind: 'state'; readonly sessionId: string; readonly state: SessionState }
  | { readonly kind: 'removed'; readonly sessionId: string };

/**
 * Something to tell everyone on a roster about one of its users: a presence line (`kind`, or null
 * for none), and — `end` — that the user's sessions of that protocol must stop (all of them, or
 * only `end.sessionId`: a take-over), each told `end.message` first. Kicks, bans, take-overs and
 * an admin's disconnect travel this way so that they reach the user's sessions on every node.
 */
export interface RosterNotice {
  readonly username: string;
  readonly kind: 'joined' | 'left' | 'kicked' | 'banned' | 'timed_out' | null;
  readonly end?: { readonly sessionId?: string; readonly message?: string };
}

/** Why every credential of an account was ended. */
export type RevocationReason = 'disabled' | 'password' | 'sessions';

/**
 * Account and ban changes that end or narrow what live sessions may see. Besides the bus they
 * travel through the database (ports/access-event-store.ts), because the process that makes the
 * change (a CLI command) may have no bus to the servers; applying one twice is harmless.
 */
export type AccessEvent =
  /** Every credential issued under a generation below `generation` is dead, on every door. */
  | { readonly type: 'account.revoked'; readonly userId: UserId; readonly generation: number; readonly reason: RevocationReason }
  /** One login (a refresh-token family, ChatCLI) has ended: logout, or a replayed refresh token. */
  | { readonly type: 'token_family.revoked'; readonly userId: UserId; readonly familyId: string }
  /** Banned from one conversation, or from the server (conversationId null). */
  | { readonly type: 'user.banned'; readonly userId: UserId; readonly conversationId: ConversationId | null };

/** The types of access events, for the database feed. */
export const ACCESS_EVENT_TYPES = ['account.revoked', 'token_family.revoked', 'user.banned'] as const satisfies readonly AccessEvent['type'][];

/** The `type` of a domain event, e.g. `message.created`. */
export type DomainEventType = DomainEvent['type'];

/** The list of event types, for validating envelopes that arrive from other nodes. */
export const DOMAIN_EVENT_TYPES = [
  'message.created', 'message.edited', 'message.deleted', 'member.joined', 'member.left', 'member.role_changed',
  'conversation.renamed', 'conversation.avatar_changed', 'conversation.deleted', 'history.cleared', 'presence.changed', 'roster.changed', 'session.signal', 'protocol.broadcast', 'settings.reload', 'typing.started', 'relation.changed', ...ACCESS_EVENT_TYPES,
] as const satisfies readonly DomainEventType[];

// Compile-time check that the list above names every event type: a new event that is not
// listed would be dropped by every other node as undecodable.
type Unlisted = Exclude<DomainEventType, (typeof DOMAIN_EVENT_TYPES)[number]>;
const _everyEventListed: Unlisted extends never ? true : never = true;
void _everyEventListed;
