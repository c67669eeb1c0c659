import type { ConversationId, UserId } from './ids.js';

/** account: a new account (optionally with a fixed username); reset: a new password for an account; contact: a direct conversation with the inviter; group: membership of group conversations. */
export type InviteKind = 'account' | 'reset' | 'contact' | 'group';

/** An invitation (reference/prosody-invites.md §3). */
export interface Invite {
  readonly token: string;
  readonly kind: InviteKind;
  /** The fixed username of an account invite, or the account of a reset invite; null when open. */
  readonly username: string | null;
  readonly inviterId: UserId | null;
  readonly groupIds: readonly ConversationId[];
  readonly roles: readonly string[];
  /** Usable any number of times until it expires. */
  readonly reusable: boolean;
  /** Where it came from, e.g. "api/token/<key id>". */
  readonly source: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}
