import type { UserId } from '../model/ids.js';
import type { AccessTokenRecord, EmailCodeRecord, RefreshTokenRecord, ResetTokenRecord } from '../model/token.js';

/** A new access + refresh pair, as hashes, sharing one family. */
export interface NewTokenPair {
  readonly userId: UserId;
  readonly familyId: string;
  readonly accessHash: string;
  readonly accessExpiresAt: number;
  readonly refreshHash: string;
  readonly refreshExpiresAt: number;
  readonly createdAt: number;
}

/** Persistence of opaque tokens: sessions (access/refresh), e-mail codes and reset tokens. */
export interface TokenStore {
  /** Insert both tokens of a pair in one transaction. */
  createPair(pair: NewTokenPair): Promise<void>;
  findAccess(hash: string): Promise<AccessTokenRecord | null>;
  findRefresh(hash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Atomically mark `oldRefreshHash` rotated at `pair.createdAt` and insert `pair`, only if the old
   * token is neither rotated nor revoked. Resolves false (and writes nothing) otherwise, so of two
   * concurrent rotations of one token exactly one wins.
   */
  rotate(oldRefreshHash: string, pair: NewTokenPair): Promise<boolean>;
  /** The family's current (not rotated) refresh token, if any. */
  currentOfFamily(familyId: string): Promise<RefreshTokenRecord | null>;
  /** Revoke every refresh and access token of the family. */
  revokeFamily(familyId: string, now: number): Promise<void>;
  /** Revoke every refresh and access token of the user, except those of `keepFamilyId`. */
  revokeUser(userId: UserId, now: number, keepFamilyId?: string): Promise<void>;

  /** Revoke the user's e-mail codes, then insert this one. */
  replaceEmailCode(code: { readonly userId: UserId; readonly codeHash: string; readonly expiresAt: number; readonly createdAt: number }): Promise<void>;
  /** The user's newest e-mail code that is neither revoked nor expired at `now`. */
  newestEmailCode(userId: UserId, now: number): Promise<EmailCodeRecord | null>;
  /** Revoke every e-mail code of the user. */
  revokeEmailCodes(userId: UserId): Promise<void>;

  createReset(token: { readonly hash: string; readonly userId: UserId; readonly expiresAt: number; readonly createdAt: number }): Promise<void>;
  findReset(hash: string): Promise<ResetTokenRecord | null>;
  /** Mark used if unused; resolves false when it was already used (one use only, even concurrently). */
  consumeReset(hash: string, now: number): Promise<boolean>;
  /** Mark every unused reset token of the user used, so no link sent earlier works any more. */
  revokeResets(userId: UserId, now: number): Promise<void>;
}

/** The release-notification mailing list (ChatCLI `/subscribe`). */
export interface SubscriberStore {
  /** Resolves false when the address (case-insensitively) is already subscribed. */
  add(email: string, now: number): Promise<boolean>;
}
