import { ChatError } from '../errors.js';
import type { RateBucket, RateLimiter } from '../ports/rate-limiter.js';

/** Where a request came from, for abuse limits keyed by client address. */
export interface Origin {
  readonly address: string;
}

/**
 * Take one token from the bucket for each key (an account, an address); reject RATE_LIMITED
 * when any is empty. Keys are namespaced so an account named like an address cannot collide.
 */
export async function enforceLimits(limiter: RateLimiter, bucket: RateBucket, keys: { readonly account?: string; readonly origin?: Origin | undefined }): Promise<void> {
  const names = [
    ...(keys.account === undefined ? [] : [`account:${keys.account.toLowerCase()}`]),
    ...(keys.origin === undefined ? [] : [`address:${keys.origin.address}`]),
  ];
  for (const key of names) {
    if (!(await limiter.take(bucket, key))) throw new ChatError('RATE_LIMITED', 'Too many attempts, try again later');
  }
}
