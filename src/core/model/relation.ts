import type { ConversationId, UserId } from './ids.js';

/** mute: the owner stops receiving the target's messages; block: no direct contact either way. */
export type RelationKind = 'mute' | 'block';

/** One user's mute or block of another. */
export interface Relation {
  readonly ownerId: UserId;
  readonly targetId: UserId;
  readonly kind: RelationKind;
}

/** A ban keeps a user out of one conversation, or out of every one when conversationId is null. */
export interface Ban {
  readonly userId: UserId;
  readonly conversationId: ConversationId | null;
  readonly reason: string;
  /** Unix milliseconds; null = permanent. */
  readonly until: number | null;
}

/** One live connection of a user, on some node, through some protocol. */
export interface OnlineSession {
  readonly id: string;
  readonly userId: UserId;
  readonly nodeId: string;
  readonly protocol: string;
  readonly connectedAt: number;
  /**
   * What the session shows others about itself, in its protocol's terms (BareRTC's who-list
   * entry: status, camera flags…); null or absent for protocols with no such roster. Plain JSON.
   */
  readonly state?: SessionState | null;
}

/** A session's public state: a plain JSON object owned by its protocol. */
export type SessionState = Readonly<Record<string, unknown>>;
