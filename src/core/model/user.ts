import type { UserId } from './ids.js';

/** A person or bot with an account. `username` is unique case-insensitively. */
export interface User {
  readonly id: UserId;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly isOperator: boolean;
  readonly isBot: boolean;
  readonly isDisabled: boolean;
  /** Unix milliseconds. */
  readonly createdAt: number;
  /**
   * Bumped whenever every credential of the account must stop working (disabled, password reset
   * or change, all sessions revoked). Signed tokens and live sessions remember the generation
   * they were issued under; an older one no longer authenticates.
   */
  readonly tokenGeneration: number;
  /**
   * Where the account came from: `local` (registered with Parley: CLI, sign-up, invite), `website`
   * (vouched for by a website's single sign-on JWT, BareRTC), or `guest` (a name picked without
   * credentials, BareRTC's guest mode). Website and guest accounts have no password. `deleted`: the
   * tombstone of an account removed by `parley user delete` (UserService.delete), kept so that the
   * messages it leaves behind still have an author; it can never log in or be found by its old name.
   */
  readonly source: UserSource;
}

/** See User.source. */
export type UserSource = 'local' | 'website' | 'guest' | 'deleted';

/** A user row as the store keeps it, with the secret hash that never leaves the core. */
export interface StoredUser extends User {
  /** argon2id PHC string, or null for accounts that cannot log in with a password. */
  readonly passwordHash: string | null;
}

/** Fields needed to create a user; the store assigns id and createdAt. */
export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly passwordHash: string | null;
  readonly isOperator: boolean;
  readonly isBot: boolean;
  /** Unix milliseconds. */
  readonly createdAt: number;
  /** Default `local`. */
  readonly source?: UserSource;
}

/** Strip the secret before a user leaves the core. */
export function toPublicUser(u: StoredUser): User {
  const { passwordHash: _omit, ...rest } = u;
  return rest;
}
