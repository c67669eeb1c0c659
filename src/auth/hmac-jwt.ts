import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { ChatError } from '../core/errors.js';

/** Signs and verifies HMAC JWTs with one non-empty secret (never `alg: none`, never RSA confusion). */
export interface HmacJwt {
  /** Sign `claims` with HS256; `exp` = now + ttlSeconds; `iss` when the signer has one. */
  sign(claims: Record<string, unknown>, ttlSeconds: number): Promise<string>;
  /**
   * Verify signature (HS256/384/512 only), that `exp` is present and not past (with leeway), and
   * `iss` when the signer has one; throws ChatError INVALID_TOKEN, or TOKEN_EXPIRED for a good
   * signature past `exp`. A token without `exp` would never die, so it is refused.
   */
  verify(token: string): Promise<JWTPayload>;
}

/** Clock skew tolerated when checking `exp`, in seconds. */
const LEEWAY_SECONDS = 30;

/** HS256 signing and HS256/384/512 verification with one non-empty secret; throws on an empty secret. */
export function createHmacJwt(options: { secret: string; issuer?: string }): HmacJwt {
  if (options.secret.length === 0) throw new Error('JWT secret must not be empty');
  const key = new TextEncoder().encode(options.secret);
  return {
    async sign(claims, ttlSeconds) {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
      if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
      return jwt.sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256', 'HS384', 'HS512'],
          clockTolerance: LEEWAY_SECONDS,
          requiredClaims: ['exp'],
          ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
        });
        return payload;
      } catch (e) {
        if (e instanceof errors.JWTExpired) throw new ChatError('TOKEN_EXPIRED', 'Token expired', { cause: e });
        if (e instanceof errors.JOSEError || e instanceof TypeError) throw new ChatError('INVALID_TOKEN', 'Invalid Token', { cause: e });
        throw e;
      }
    },
  };
}
