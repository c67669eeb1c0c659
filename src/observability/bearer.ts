import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an Authorization header carries `Bearer <token>`. An empty `token` means no token is
 * asked: every request passes. Compared in constant time over SHA-256 digests, so neither the
 * token's content nor its length leaks through timing.
 */
export function hasBearer(header: string | undefined, token: string): boolean {
  if (token === '') return true;
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const offered = createHash('sha256').update(match?.[1] ?? '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(offered, expected) && match !== null;
}

/** The WWW-Authenticate header of a 401 (RFC 6750 §3). */
export const BEARER_CHALLENGE = 'Bearer realm="parley-metrics"';
