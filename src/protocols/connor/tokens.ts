import { createHmacJwt } from '../../auth/hmac-jwt.js';
import type { User } from '../../core/model/user.js';
import { invalidToken, toWireUser } from './mapping.js';
import type { WireUser } from './schemas.js';

/** Lifetime of a login token (§6): 72 hours. */
export const TOKEN_TTL_SECONDS = 72 * 3600;
/** The `iss` claim of the original login service (§6). */
export const ISSUER = 'connor.fun-login-service';

/** The claims of a verified token: the `user` claim and the account's token generation. */
export interface ConnorClaims extends WireUser {
  /** `gen`: the account's token generation at login (User.tokenGeneration); 0 when absent. */
  readonly generation: number;
}

/** Issues and reads connor JWTs. */
export interface ConnorTokens {
  issue(user: User): Promise<string>;
  /**
   * The `user` claim; `username` '' means anonymous (§6). Tokens must carry `exp` and this
   * issuer. Throws ChatError INVALID_TOKEN (or TOKEN_EXPIRED).
   */
  verify(token: string): Promise<ConnorClaims>;
}

/** Connor JWTs signed with the install's `secrets.connor_jwt`. */
export function createConnorTokens(secret: string): ConnorTokens {
  const jwt = createHmacJwt({ secret, issuer: ISSUER });
  return {
    // `gen` is Parley's: the original has none, and its clients never read the claims.
    issue: (user) => jwt.sign({ user: toWireUser(user), gen: user.tokenGeneration }, TOKEN_TTL_SECONDS),
    async verify(token) {
      const claims = await jwt.verify(token);
      const user = claims['user'];
      if (typeof user !== 'object' || user === null) throw invalidToken();
      const { id, username } = user as { id?: unknown; username?: unknown };
      if (typeof username !== 'string') throw invalidToken();
      if (username !== '' && (typeof id !== 'number' || !Number.isSafeInteger(id))) throw invalidToken();
      const gen = claims['gen'] ?? 0;
      if (typeof gen !== 'number' || !Number.isSafeInteger(gen)) throw invalidToken();
      return { id: typeof id === 'number' ? id : 0, username, generation: gen };
    },
  };
}
