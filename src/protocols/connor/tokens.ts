import { createHmacJwt } from '../../auth/hmac-jwt.js';
import type { User } from '../../core/model/user.js';
import { invalidToken, toWireUser } from './mapping.js';
import type { WireUser } from './schemas.js';

/** Lifetime of a login token (§6): 72 hours. */
export const TOKEN_TTL_SECONDS = 72 * 3600;
/** The `iss` claim of the original login service (§6). */
export const ISSUER = 'connor.fun-login-service';

/** Issues and reads connor JWTs. */
export interface ConnorTokens {
  issue(user: User): Promise<string>;
  /** The `user` claim; `username` '' means anonymous (§6). Throws ChatError INVALID_TOKEN. */
  verify(token: string): Promise<WireUser>;
}

/** Connor JWTs signed with the install's `secrets.connor_jwt`. */
export function createConnorTokens(secret: string): ConnorTokens {
  const jwt = createHmacJwt({ secret, issuer: ISSUER });
  return {
    issue: (user) => jwt.sign({ user: toWireUser(user) }, TOKEN_TTL_SECONDS),
    async verify(token) {
      const claims = await jwt.verify(token);
      const user = claims['user'];
      if (typeof user !== 'object' || user === null) throw invalidToken();
      const { id, username } = user as { id?: unknown; username?: unknown };
      if (typeof username !== 'string') throw invalidToken();
      if (username !== '' && (typeof id !== 'number' || !Number.isSafeInteger(id))) throw invalidToken();
      return { id: typeof id === 'number' ? id : 0, username };
    },
  };
}
