import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { BarertcSettings } from './settings.js';
import type { BarertcClaims } from './socket.js';

/** `[barertc.JWT]` as the JWT functions need it. */
export type BarertcJwtSettings = BarertcSettings['JWT'];

/** Clock skew tolerated on `exp` and `nbf`, in seconds (BareRTC has none; reference §10). */
export const JWT_LEEWAY_SECONDS = 30;

/** Lifetime of the token re-signed on every `ping` (BareRTC: 5 minutes, reference §3). */
export const REFRESH_TTL_SECONDS = 300;

/**
 * A token that does not verify. `message` is the reason in golang-jwt's words where BareRTC shows
 * it (`403 Error parsing your JWT token: <message>` on `/`, `/api/profile`'s 400).
 */
export class BarertcJwtError extends Error {
  override readonly name = 'BarertcJwtError';
}

/** The `rules` claim as the page's `UserJWTRules` and `ping`'s `jwtRules` show it (reference §3). */
export interface BarertcJwtRules {
  readonly IsNoVideoRule: boolean;
  readonly IsNoImageRule: boolean;
  readonly IsNoBroadcastRule: boolean;
  readonly IsRedCamRule: boolean;
  readonly IsNoDarkVideoRule: boolean;
}

/**
 * Verify a website's token (reference §3, with Parley's choices): refused when `[barertc.JWT]`
 * is disabled or its SecretKey empty (BareRTC accepts, and an empty HMAC key lets anyone sign);
 * only the HMAC algorithms in `Algorithms` (`none`, RS*, ES*, PS* never); `exp` required and
 * enforced with JWT_LEEWAY_SECONDS of leeway, as `nbf`. Rejects with BarertcJwtError.
 */
export async function verifyBarertcJwt(settings: BarertcJwtSettings, token: string): Promise<BarertcClaims> {
  if (!settings.Enabled) throw new BarertcJwtError('JWT authentication is not enabled on this server');
  if (settings.SecretKey === '') throw new BarertcJwtError('JWT authentication has no secret key configured on this server');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyOf(settings.SecretKey), { algorithms: [...settings.Algorithms], clockTolerance: JWT_LEEWAY_SECONDS, requiredClaims: ['exp'] }));
  } catch (e) {
    throw new BarertcJwtError(reasonOf(e), { cause: e });
  }
  return toClaims(payload);
}

/**
 * Sign `claims` with HS256 for `ttlSeconds` (`exp` = now + ttl, `iat` = `nbf` = now), as BareRTC's
 * re-sign on `ping` and `/api/authenticate` do. Like BareRTC it does not require JWT to be enabled;
 * unlike it, an empty SecretKey is refused (BarertcJwtError): such a token proves nothing.
 */
export async function signBarertcJwt(settings: Pick<BarertcJwtSettings, 'SecretKey'>, claims: BarertcClaims, ttlSeconds: number): Promise<string> {
  if (settings.SecretKey === '') throw new BarertcJwtError('JWT authentication has no secret key configured on this server');
  const now = Math.floor(Date.now() / 1000);
  const { sub, ...custom } = claims;
  return new SignJWT({ ...custom })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(keyOf(settings.SecretKey));
}

/** The `rules` claim as booleans; `novideo` implies no broadcasting (reference §3). */
export function rulesOf(claims: BarertcClaims | null): BarertcJwtRules {
  const has = (rule: string) => claims?.rules?.includes(rule) === true;
  return {
    IsNoVideoRule: has('novideo'),
    IsNoImageRule: has('noimage'),
    IsNoBroadcastRule: has('nobroadcast') || has('novideo'),
    IsRedCamRule: has('redcam'),
    IsNoDarkVideoRule: has('nodvd'),
  };
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** jose's failure in the words golang-jwt uses for the same failure. */
function reasonOf(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'token is expired';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature is invalid';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'signing method is not allowed';
  if (e instanceof errors.JWTClaimValidationFailed) return e.claim === 'nbf' ? 'token is not valid yet' : e.claim === 'exp' ? 'token has no expiry (exp)' : `invalid claim ${e.claim}`;
  return 'token is malformed';
}

/** Map the verified payload onto BarertcClaims; a custom claim of the wrong type makes the token invalid. */
function toClaims(p: JWTPayload): BarertcClaims {
  const bad = (claim: string) => new BarertcJwtError(`invalid claim ${claim}`);
  if (typeof p.sub !== 'string' || p.sub.trim() === '') throw bad('sub');
  const out: { -readonly [K in keyof BarertcClaims]: BarertcClaims[K] } = { sub: p.sub };
  for (const k of ['nick', 'img', 'url', 'emoji', 'gender'] as const) {
    const v = p[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw bad(k);
    out[k] = v;
  }
  for (const k of ['op', 'vip'] as const) {
    const v = p[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') throw bad(k);
    out[k] = v;
  }
  const rules = p['rules'];
  if (rules !== undefined && rules !== null) {
    if (!Array.isArray(rules) || !rules.every((r): r is string => typeof r === 'string')) throw bad('rules');
    out.rules = rules;
  }
  return out;
}
