import { ChatError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import { toUsernameKey } from '../model/username.js';
import type { RateBucket, RateLimiter } from '../ports/rate-limiter.js';

/** Where a request came from, for abuse limits keyed by client address. */
export interface Origin {
  readonly address: string;
}

/**
 * Take one token from the bucket for each key (an account, an address); reject RATE_LIMITED
 * when any is empty. Keys are namespaced so an account named like an address cannot collide.
 * `account` is a username as the client spelled it: it is charged under the account's identity
 * key, the one the store finds accounts by, so `ALICE` and full-width `ａｌｉｃｅ` spend `alice`'s
 * budget instead of getting their own (issue 8, defect 4).
 */
export async function enforceLimits(limiter: RateLimiter, bucket: RateBucket, keys: { readonly account?: string; readonly user?: UserId; readonly origin?: Origin | undefined }): Promise<void> {
  const names = [
    ...(keys.account === undefined ? [] : [`account:${toUsernameKey(keys.account)}`]),
    ...(keys.user === undefined ? [] : [`user:${keys.user}`]),
    ...(keys.origin === undefined ? [] : [`address:${keys.origin.address}`]),
  ];
  for (const key of names) {
    const verdict = await limiter.take(bucket, key);
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds, bucket === 'message' ? 'You are sending messages too fast, slow down' : undefined);
  }
}

/** RATE_LIMITED, with the seconds to wait in `details.retryAfterSeconds` (HTTP doors send it as Retry-After). */
export const rateLimited = (retryAfterSeconds: number, message = 'Too many attempts, try again later'): ChatError =>
  new ChatError('RATE_LIMITED', message, { details: { retryAfterSeconds } });
