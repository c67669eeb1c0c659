import type { ConversationId, MessageId, UserId } from './ids.js';

/**
 * room: public and named; direct: exactly two members; group: named, membership managed;
 * channel: a group where only owners and admins post; favorites: one user's own notes.
 */
export type ConversationKind = 'room' | 'direct' | 'group' | 'channel' | 'favorites';
/** Member roles, strongest first. */
export type MemberRole = 'owner' | 'admin' | 'member';

/** A room, direct or group conversation. */
export interface Conversation {
  readonly id: ConversationId;
  readonly kind: ConversationKind;
  /** Unique name for rooms; null for direct conversations. */
  readonly name: string | null;
  readonly title: string;
  /** Unix milliseconds. */
  readonly createdAt: number;
  /** The stored file shown as the conversation's avatar, or null. */
  readonly avatarFileId: string | null;
}

/** A user's place in a conversation: role and read position. */
export interface Membership {
  readonly conversationId: ConversationId;
  readonly userId: UserId;
  readonly role: MemberRole;
  /** Highest message id this member has read; 0 when none. */
  readonly lastReadMessageId: MessageId;
  /** Messages up to this id are hidden from this member (it cleared its history); 0 when none. */
  readonly clearedThroughId: MessageId;
  readonly joinedAt: number;
}
