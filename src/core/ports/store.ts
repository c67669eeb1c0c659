import type { Conversation, ConversationKind, Membership, MemberRole } from '../model/conversation.js';
import type { ConversationId, MessageId, UserId } from '../model/ids.js';
import type { HistoryPage, Message, MessageFormat, NewMessage, Survey } from '../model/message.js';
import type { Ban, OnlineSession, Relation, RelationKind, SessionState } from '../model/relation.js';
import type { NewUser, StoredUser, UserSource } from '../model/user.js';
import type { AccessEventStore } from './access-event-store.js';
import type { BlocklistStore } from './blocklist-store.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { FileStore } from './file-store.js';
import type { InviteStore } from './invite-store.js';
import type { LinkSpamStore } from './link-spam-store.js';
import type { SubscriberStore, TokenStore } from './token-store.js';

/**
 * The persistence port. One implementation (storage/kysely-store.ts) serves both SQL dialects.
 * Every method resolves only after its write is committed. Failures other than the ChatErrors
 * named below reject with the driver's error (the caller maps it to INTERNAL); any call after
 * close() rejects ChatError UNAVAILABLE.
 */
export interface Store {
  readonly users: UserStore;
  readonly conversations: ConversationStore;
  readonly messages: MessageStore;
  readonly relations: RelationStore;
  readonly sessions: SessionStore;
  readonly blocklists: BlocklistStore;
  /** BareRTC's DM link-spam counters. */
  readonly linkSpam: LinkSpamStore;
  readonly tokens: TokenStore;
  readonly subscribers: SubscriberStore;
  readonly files: FileStore;
  readonly apiKeys: ApiKeyStore;
  readonly invites: InviteStore;
  readonly accessEvents: AccessEventStore;
  /** Flush pending group commits, then close connections. Idempotent. */
  close(): Promise<void>;
}

/** Fields of a user to change; absent fields stay as they are. */
export interface UserPatch {
  /** A new name (its identity key follows); rejects USERNAME_TAKEN when another account has it. */
  readonly username?: string;
  readonly displayName?: string;
  readonly email?: string | null;
  readonly emailVerified?: boolean;
  readonly passwordHash?: string | null;
  readonly isOperator?: boolean;
  readonly isBot?: boolean;
  readonly isDisabled?: boolean;
  /** Where the account came from; `deleted` turns it into the tombstone of a removed account (User.source). */
  readonly source?: UserSource;
  /** Bump the token generation, ending every credential issued before (User.tokenGeneration). */
  readonly bumpGeneration?: true;
}

/** Accounts. */
export interface UserStore {
  /**
   * Insert a user. Rejects with ChatError USERNAME_TAKEN when the username exists case-insensitively.
   * A guest (source `guest`, made again at its next login) is committed without waiting for the disk.
   */
  create(user: NewUser): Promise<StoredUser>;
  findById(id: UserId): Promise<StoredUser | null>;
  /** Case-insensitive lookup. */
  findByUsername(username: string): Promise<StoredUser | null>;
  /** Users in id order, starting after `afterId` (exclusive), at most `limit`. */
  list(options: { readonly afterId?: UserId; readonly limit: number }): Promise<StoredUser[]>;
  /** Apply a patch; resolves to the updated row, or null when no such user. */
  update(id: UserId, patch: UserPatch): Promise<StoredUser | null>;
}

/** What the store needs to create a conversation; it assigns the id. */
export interface NewConversation {
  readonly kind: ConversationKind;
  readonly name: string | null;
  readonly title: string;
  readonly createdAt: number;
}

/** Conversations and their memberships. */
export interface ConversationStore {
  create(conversation: NewConversation): Promise<Conversation>;
  findById(id: ConversationId): Promise<Conversation | null>;
  /** Room names are case-sensitive and unique among rooms. */
  findRoomByName(name: string): Promise<Conversation | null>;
  /** Return the room with this name, creating it if absent; safe under concurrent callers on any node. */
  ensureRoom(name: string, createdAt: number): Promise<Conversation>;
  /** The pair's current direct conversation (a and b in either order), if any. */
  findDirect(a: UserId, b: UserId): Promise<Conversation | null>;
  /**
   * The pair's direct conversation, created with both as members when absent, atomically: of
   * concurrent callers on any node exactly one creates it (`created: true`).
   */
  ensureDirect(a: UserId, b: UserId, createdAt: number): Promise<{ conversation: Conversation; created: boolean }>;
  /** The user's favorites conversation (owned by it alone), created on first use; atomic like ensureDirect. */
  ensureFavorites(userId: UserId, createdAt: number): Promise<{ conversation: Conversation; created: boolean }>;
  /** The conversation stops being the pair's direct conversation (one of them left); a later ensureDirect creates a new one. */
  releaseDirect(id: ConversationId): Promise<void>;
  /** Delete the conversation with its memberships and messages. */
  delete(id: ConversationId): Promise<void>;
  /** Add a member; if already a member, keep the existing row and return it. */
  addMember(conversationId: ConversationId, userId: UserId, role: MemberRole, joinedAt: number): Promise<Membership>;
  /**
   * Add the user to each conversation (idempotent each), in one transaction: the rooms a login
   * joins, joined again at every login, so the commit does not wait for the disk (a power loss
   * can forget it until the next ordinary commit).
   */
  addMembers(conversationIds: readonly ConversationId[], userId: UserId, role: MemberRole, joinedAt: number): Promise<void>;
  /** Resolves true when a membership was removed. */
  removeMember(conversationId: ConversationId, userId: UserId): Promise<boolean>;
  getMember(conversationId: ConversationId, userId: UserId): Promise<Membership | null>;
  /** Members in join order. */
  listMembers(conversationId: ConversationId): Promise<Membership[]>;
  /** Conversations the user is a member of, in id order. */
  listForUser(userId: UserId): Promise<Conversation[]>;
  /**
   * The members who may see the conversation's events at `now`: members whose account is enabled
   * and who are not banned from it or from the server (one indexed read).
   */
  audienceIds(conversationId: ConversationId, now: number): Promise<UserId[]>;
  setRole(conversationId: ConversationId, userId: UserId, role: MemberRole): Promise<void>;
  /** Hide the conversation's messages up to `throughId` from this member only. */
  clearFor(conversationId: ConversationId, userId: UserId, throughId: MessageId): Promise<void>;
  /** Set (or clear, with null) the conversation's avatar file. */
  setAvatar(conversationId: ConversationId, fileId: string | null): Promise<void>;
  /** Change a conversation's title. */
  setTitle(conversationId: ConversationId, title: string): Promise<void>;
  /**
   * Everything a member check needs, in one read: the conversation (null when absent), the
   * user's membership, whether the account is disabled, and the reason of a ban in force at
   * `now` on this conversation or server-wide.
   */
  memberAccess(conversationId: ConversationId, userId: UserId, now: number): Promise<MemberAccess | null>;
  /** Move the member's read position forward to messageId; never moves it backward. */
  setReadPosition(conversationId: ConversationId, userId: UserId, messageId: MessageId): Promise<void>;
}

/** See ConversationStore.memberAccess. */
export interface MemberAccess {
  readonly conversation: Conversation;
  readonly membership: Membership | null;
  readonly userDisabled: boolean;
  /** null when no ban is in force. */
  readonly banReason: string | null;
}

/** A history page request: bounds by id and a size. */
export interface HistoryQuery {
  /** Only messages with id < beforeId. */
  readonly beforeId?: MessageId;
  /** Only messages with id > afterId. */
  readonly afterId?: MessageId;
  /** Leave out the messages this user removed for itself. */
  readonly hiddenFor?: UserId;
  /** Leave deleted messages out (before the limit applies), instead of returning them marked. */
  readonly skipDeleted?: boolean;
  /** Only messages with id > floorId, whatever the direction (history a member cleared for itself). */
  readonly floorId?: MessageId;
  /** Leave forwarded copies out (before the limit applies): a chat's last message is never a forward. */
  readonly skipForwards?: boolean;
  /** Maximum messages to return (1..1000). */
  readonly limit: number;
}

/** The orders of MessageStore.directPartners. */
export type DirectPartnerSort = 'newest' | 'oldest' | 'a-z' | 'z-a';

/** Messages, with group-committed inserts. */
export interface MessageStore {
  /**
   * Insert a message. Inserts queued in the same event-loop turn, or while the previous commit
   * runs, share one transaction (group commit); the promise resolves after that commit with the assigned id. When the author
   * already has a message with the same clientId, resolves to that message instead.
   */
  insert(message: NewMessage): Promise<Message>;
  findById(id: MessageId): Promise<Message | null>;
  /**
   * A page of the conversation's messages, oldest first. With afterId: the oldest `limit`
   * messages after it; otherwise the newest `limit` (before beforeId when given).
   * Deleted messages are included with deletedAt set.
   */
  history(conversationId: ConversationId, query: HistoryQuery): Promise<HistoryPage>;
  /**
   * Messages the user has not read, across every conversation it is a member of: newer than its
   * read position there, not its own, not deleted. The newest `limit`, returned oldest first.
   */
  unreadFor(userId: UserId, limit: number): Promise<Message[]>;
  /** How many messages of the conversation are newer than `afterId`, not by `excludeAuthor` (the reader) and not hidden for it. */
  countUnread(conversationId: ConversationId, afterId: MessageId, excludeAuthor: UserId): Promise<number>;
  /**
   * How many messages of the conversation, not deleted, have an id below `beforeId` (and above
   * `floorId` when given), leaving out those `hiddenFor` hid for itself: what is left after a
   * history page (BareRTC's `Remaining`).
   */
  countBefore(conversationId: ConversationId, beforeId: MessageId, query?: { readonly floorId?: MessageId; readonly hiddenFor?: UserId }): Promise<number>;
  /**
   * The user's direct-conversation partners as BareRTC pages them (/api/message/usernames): the
   * names of the *other* authors of messages (not deleted) in the direct conversations the user
   * is a member of, `limit` from `offset`, in `sort` order (`newest`/`oldest`: by the id of the
   * author's latest/earliest such message; `a-z`/`z-a`: by name, case-insensitively); and
   * `threads`, how many of those conversations hold any message.
   */
  directPartners(userId: UserId, page: { readonly sort: DirectPartnerSort; readonly offset: number; readonly limit: number }): Promise<{ usernames: string[]; threads: number }>;
  /** Replace a survey card (and the text that stands for it); resolves to the updated message or null. */
  editSurvey(id: MessageId, survey: Survey, text: string, editedAt: number): Promise<Message | null>;
  /** Replace the text (and the format, when given) and set editedAt; resolves to the updated message or null. */
  edit(id: MessageId, text: string, editedAt: number, format?: MessageFormat): Promise<Message | null>;
  /** Hide a message from one user only. Idempotent. */
  hide(messageId: MessageId, userId: UserId): Promise<void>;
  /** Whether the user hid the message for itself. */
  isHidden(messageId: MessageId, userId: UserId): Promise<boolean>;
  /** Delete every message of the conversation; resolves to how many were deleted. */
  deleteAll(conversationId: ConversationId): Promise<number>;
  /** Mark deleted (text cleared); resolves to the updated message or null. */
  markDeleted(id: MessageId, deletedAt: number): Promise<Message | null>;
  /**
   * Remove every message the user wrote, in every conversation, after the inserts already queued
   * have committed (an account deleted with its messages); what other users hid or replied to
   * goes too (a reply keeps its now dangling replyToId). Resolves to how many were removed.
   */
  deleteByAuthor(authorId: UserId): Promise<number>;
}

/** Mutes, blocks and bans. */
export interface RelationStore {
  /** Idempotent; resolves true when the relation is new. */
  add(relation: Relation): Promise<boolean>;
  /** Resolves true when something was removed. */
  remove(relation: Relation): Promise<boolean>;
  /** Relations owned by ownerId, of the given kind. */
  list(ownerId: UserId, kind: RelationKind): Promise<Relation[]>;
  /** True when a owns a relation of this kind on b. */
  has(ownerId: UserId, targetId: UserId, kind: RelationKind): Promise<boolean>;
  /**
   * Every relation of these kinds whose owner and target are both among `userIds`, in one query
   * (BareRTC's who lists, a direct conversation's two members). Ordered by owner, target, kind.
   */
  among(userIds: readonly UserId[], kinds: readonly RelationKind[]): Promise<Relation[]>;
  /**
   * Every relation the user owns, and every block on the user, in one query: what decides what
   * the user's live sessions must not be shown (delivery-policy.ts). Ordered by owner, target, kind.
   */
  involving(userId: UserId): Promise<Relation[]>;
  /** Insert or replace the ban for (userId, conversationId). */
  ban(ban: Ban): Promise<void>;
  unban(userId: UserId, conversationId: ConversationId | null): Promise<boolean>;
  /** The server-wide bans in force at `now` with the banned user's name, ordered by name (BareRTC's `/bans`). */
  serverBans(now: number): Promise<Array<Ban & { readonly username: string }>>;
  /** A ban in force at `now` on this conversation or server-wide, if any. */
  findActiveBan(userId: UserId, conversationId: ConversationId | null, now: number): Promise<Ban | null>;
}

/** The registry of live connections, shared by every node through the store (on SQLite, one node: kept in memory); its writes do not wait for the disk. */
export interface SessionStore {
  add(session: OnlineSession): Promise<void>;
  /** Resolves to the removed session, or null when it was already gone. */
  remove(id: string): Promise<OnlineSession | null>;
  /** Remove every session of a node and its heartbeat (shutdown); resolves to the user ids affected. */
  removeNode(nodeId: string): Promise<UserId[]>;
  /** Record that the node is alive at `now`. */
  heartbeat(nodeId: string, now: number): Promise<void>;
  /**
   * Remove the sessions of every node whose last heartbeat is older than `cutoff` (or that has
   * none), and those nodes' heartbeats; resolves to the user ids affected.
   */
  removeStaleNodes(cutoff: number): Promise<UserId[]>;
  listForUser(userId: UserId): Promise<OnlineSession[]>;
  /** Replace a session's public state; resolves false when the session is gone. */
  setState(id: string, state: SessionState): Promise<boolean>;
  /** Every live session of one protocol on every node, oldest first (a roster). */
  listByProtocol(protocol: string): Promise<OnlineSession[]>;
  /** Whether the user has any live session (one indexed row lookup, whatever their count). */
  hasSessions(userId: UserId): Promise<boolean>;
  /** Distinct users with at least one live session. */
  onlineUserIds(): Promise<UserId[]>;
}
