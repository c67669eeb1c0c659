import { ChatError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import { toPublicUser, type User } from '../model/user.js';
import type { Clock } from '../ports/clock.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Secrets } from '../ports/secrets.js';
import type { Store } from '../ports/store.js';
import type { NewTokenPair } from '../ports/token-store.js';
import type { RevocationReason } from '../events.js';
import type { AccessEvents } from './access-events.js';
import { enforceLimits, type Origin } from './limits.js';
import type { UserService } from './user-service.js';

/** Lifetime of an opaque access token: 7 days. */
export const ACCESS_TTL_MS = 7 * 24 * 3600_000;
/** Lifetime of a refresh token: 30 days. */
export const REFRESH_TTL_MS = 30 * 24 * 3600_000;
/**
 * How long after a rotation the same refresh token may be presented again and get the same new
 * pair back (a client retrying after a lost response). Later reuse means theft (RFC 9700 §4.14.2).
 */
export const REFRESH_RETRY_GRACE_MS = 5_000;
/** Random bytes in an access token (64 URL-safe characters) and a refresh token (86). */
const ACCESS_BYTES = 48;
const REFRESH_BYTES = 64;

/** A plaintext access + refresh pair, handed to the client once. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Opaque session tokens: login, rotation with reuse detection, and resolution of access tokens. */
export interface TokenService {
  /** Password login issuing a new token family. Rejects like users.authenticate, or RATE_LIMITED. */
  login(username: string, password: string, origin?: Origin): Promise<{ user: User } & TokenPair>;
  /**
   * Rotate: the presented refresh token is retired and a new pair issued. Presenting a retired
   * token again within REFRESH_RETRY_GRACE_MS, while its successor is unused, returns that same
   * pair; any other reuse revokes the whole family with its access tokens. Rejects INVALID_TOKEN
   * (unknown) or TOKEN_EXPIRED (expired, revoked or reused).
   */
  refresh(refreshToken: string, origin?: Origin): Promise<TokenPair>;
  /** The user behind a live access token. Rejects INVALID_TOKEN, TOKEN_EXPIRED or USER_DISABLED. */
  authenticate(accessToken: string): Promise<User>;
  /** Like authenticate, with the login (token family) the token belongs to, for live sessions. */
  session(accessToken: string): Promise<{ readonly user: User; readonly familyId: string }>;
  /** End the login the access token belongs to (its family), on every door and node. Rejects like authenticate. */
  logout(accessToken: string): Promise<void>;
  /**
   * End every credential of the user on every door and node: opaque tokens are revoked, the
   * token generation is bumped (signed tokens die) and live sessions are closed.
   */
  revokeAll(userId: UserId, reason: RevocationReason): Promise<void>;
}

/** Opaque session tokens over the store and secrets. */
export function createTokenService(deps: { store: Store; clock: Clock; secrets: Secrets; limiter: RateLimiter; users: UserService; accessEvents: AccessEvents }): TokenService {
  const { store, clock, secrets, limiter, users, accessEvents } = deps;

  /** The pair that rotating `refreshToken` yields: derived, so a retry can recompute it. */
  const successorOf = (refreshToken: string): TokenPair => ({
    accessToken: secrets.derive(refreshToken, 'access', ACCESS_BYTES),
    refreshToken: secrets.derive(refreshToken, 'refresh', REFRESH_BYTES),
  });

  const record = (userId: UserId, familyId: string, pair: TokenPair, now: number): NewTokenPair => ({
    userId,
    familyId,
    accessHash: secrets.hash(pair.accessToken),
    accessExpiresAt: now + ACCESS_TTL_MS,
    refreshHash: secrets.hash(pair.refreshToken),
    refreshExpiresAt: now + REFRESH_TTL_MS,
    createdAt: now,
  });

  const expired = () => new ChatError('TOKEN_EXPIRED', 'Refresh token expired or revoked');

  async function refresh(refreshToken: string, origin: Origin | undefined, attempt: number): Promise<TokenPair> {
    const found = await store.tokens.findRefresh(secrets.hash(refreshToken));
    if (!found) throw new ChatError('INVALID_TOKEN', 'Invalid refresh token');
    const now = clock.now();
    // A disabled account is named as such, though disabling also revoked its tokens.
    if (found.revokedAt !== null && (await store.users.findById(found.userId))?.isDisabled) throw new ChatError('USER_DISABLED', 'User banned');
    if (found.revokedAt !== null || found.expiresAt <= now) throw expired();
    const next = successorOf(refreshToken);
    if (found.rotatedAt !== null) {
      const current = await store.tokens.currentOfFamily(found.familyId);
      const isRetry = now - found.rotatedAt <= REFRESH_RETRY_GRACE_MS && current !== null && current.revokedAt === null && secrets.equal(current.hash, secrets.hash(next.refreshToken));
      if (isRetry) return next;
      await revokeFamily(found.userId, found.familyId); // a retired token replayed: assume theft
      throw expired();
    }
    const user = await store.users.findById(found.userId);
    if (!user || user.isDisabled) throw new ChatError('USER_DISABLED', 'User banned');
    if (await store.tokens.rotate(found.hash, record(found.userId, found.familyId, next, now))) return next;
    // Another request rotated it first: answer as that retry would be answered.
    if (attempt > 0) throw expired();
    return refresh(refreshToken, origin, attempt + 1);
  }

  async function revokeFamily(userId: UserId, familyId: string): Promise<void> {
    await store.tokens.revokeFamily(familyId, clock.now());
    await accessEvents.announce({ type: 'token_family.revoked', userId, familyId });
  }

  async function session(accessToken: string): Promise<{ user: User; familyId: string }> {
    const found = await store.tokens.findAccess(secrets.hash(accessToken));
    if (!found) throw new ChatError('INVALID_TOKEN', 'Invalid token');
    const user = await store.users.findById(found.userId);
    if (!user) throw new ChatError('INVALID_TOKEN', 'Invalid token');
    // A disabled account is named as such, though disabling also revoked its tokens.
    if (user.isDisabled) throw new ChatError('USER_DISABLED', 'User banned');
    // Read again after the account: revokeAll revokes the tokens before it bumps the generation,
    // so a token still live here was live under the generation read above, and a session opened
    // with it is ended by that revocation's event (hub: generation below the new one).
    const again = await store.tokens.findAccess(found.hash);
    if (again?.revokedAt !== null || found.expiresAt <= clock.now()) throw new ChatError('TOKEN_EXPIRED', 'Token expired or revoked');
    const ban = await store.relations.findActiveBan(user.id, null, clock.now());
    if (ban) throw new ChatError('BANNED', ban.reason || 'User banned');
    return { user: toPublicUser(user), familyId: found.familyId };
  }

  return {
    async login(username, password, origin) {
      const user = await users.authenticate(username, password, origin);
      const pair = { accessToken: secrets.randomToken(ACCESS_BYTES), refreshToken: secrets.randomToken(REFRESH_BYTES) };
      await store.tokens.createPair(record(user.id, secrets.randomToken(16), pair, clock.now()));
      return { user, ...pair };
    },

    async refresh(refreshToken, origin) {
      await enforceLimits(limiter, 'refresh', { origin });
      return refresh(refreshToken, origin, 0);
    },

    authenticate: async (accessToken) => (await session(accessToken)).user,
    session,

    async logout(accessToken) {
      const { user, familyId } = await session(accessToken);
      await revokeFamily(user.id, familyId);
    },

    async revokeAll(userId, reason) {
      // Tokens first, then the generation: session() relies on this order (see there).
      await store.tokens.revokeUser(userId, clock.now());
      const user = await store.users.update(userId, { bumpGeneration: true });
      if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
      await accessEvents.announce({ type: 'account.revoked', userId, generation: user.tokenGeneration, reason });
    },
  };
}
