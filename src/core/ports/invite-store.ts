import type { Invite } from '../model/invite.js';

/** Invitations. */
export interface InviteStore {
  create(invite: Invite): Promise<void>;
  find(token: string): Promise<Invite | null>;
  /** Invites in creation order. */
  list(): Promise<Invite[]>;
  /** Resolves false when no invite has this token. */
  delete(token: string): Promise<boolean>;
  /** Mark a single-use invite used (once, even concurrently); resolves false when it was used already. */
  markUsed(token: string, now: number): Promise<boolean>;
  /**
   * Undo markUsed(token, usedAt) when what the invite was used for failed: it becomes unused again
   * only if it is still marked with that very `usedAt`. Resolves false when it was not.
   */
  release(token: string, usedAt: number): Promise<boolean>;
}
