import type { UserId } from './ids.js';

/**
 * Opaque tokens as the store keeps them: only a keyed hash of the secret value is stored
 * (ports/secrets.ts), never the value itself.
 */
export interface AccessTokenRecord {
  readonly hash: string;
  readonly userId: UserId;
  /** The refresh-token family it was issued with; revoking the family revokes it. */
  readonly familyId: string;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
}

/** A refresh token (hashed) in its family; rotatedAt marks it retired. */
export interface RefreshTokenRecord {
  readonly hash: string;
  readonly userId: UserId;
  readonly familyId: string;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  /** When it was exchanged for its successor; null while it is the family's current token. */
  readonly rotatedAt: number | null;
  readonly createdAt: number;
}

/** A 6-digit e-mail verification code (hashed). */
export interface EmailCodeRecord {
  readonly id: number;
  readonly userId: UserId;
  readonly codeHash: string;
  readonly expiresAt: number;
}

/** A password-reset token (hashed). */
export interface ResetTokenRecord {
  readonly hash: string;
  readonly userId: UserId;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}
