/**
 * Rate limiting. `take` spends one attempt from the bucket named `key`; when none is left it
 * answers not allowed, with the seconds until one is (the caller answers RATE_LIMITED).
 */
export interface RateLimiter {
  take(bucket: RateBucket, key: string): Promise<RateVerdict>;
}

/** A limiter's answer: allowed, or refused for `retryAfterSeconds` (≥ 1). */
export interface RateVerdict {
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
}

/** Named limits; each has its own capacity and window in the limiter's configuration. */
export type RateBucket = 'login' | 'register' | 'verify' | 'reset' | 'refresh' | 'message';
