import { createHmacJwt } from '../../auth/hmac-jwt.js';
import { ChatError } from '../../core/errors.js';
import type { User } from '../../core/model/user.js';

/** `aud` of bot tokens: the constant client id of the password grant (§6.1). */
export const CLIENT_ID = 'chat_bot';
const ISSUER = 'parley-trueconf-bridge';

/** Bot JWTs (§6.1): `sub` = the TrueConf id, `exp`, `iat`, `iss`, `aud`. */
export interface TrueconfTokens {
  /** A signed token and its expiry in unix seconds. */
  issue(user: User, trueconfId: string): Promise<{ token: string; expiresAt: number }>;
  /**
   * The `sub`, `exp` and `gen` (the account's token generation at issue, User.tokenGeneration;
   * 0 when absent) of a valid token. Throws ChatError INVALID_TOKEN or TOKEN_EXPIRED.
   */
  verify(token: string): Promise<{ sub: string; exp: number; generation: number }>;
}

export function createTrueconfTokens(secret: string, ttlSeconds: number): TrueconfTokens {
  const jwt = createHmacJwt({ secret, issuer: ISSUER });
  return {
    async issue(user, trueconfId) {
      const token = await jwt.sign({ sub: trueconfId, aud: CLIENT_ID, iat: Math.floor(Date.now() / 1000), gen: user.tokenGeneration }, ttlSeconds);
      const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
      return { token, expiresAt: exp.exp };
    },
    async verify(token) {
      const claims = await jwt.verify(token);
      const gen = claims['gen'] ?? 0;
      if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || claims.aud !== CLIENT_ID || typeof gen !== 'number' || !Number.isSafeInteger(gen)) throw new ChatError('INVALID_TOKEN', 'Invalid token');
      return { sub: claims.sub, exp: claims.exp, generation: gen };
    },
  };
}
