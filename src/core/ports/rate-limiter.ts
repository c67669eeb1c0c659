/**
 * Token-bucket rate limiting. `take` consumes one token from the bucket named `key` and
 * resolves false when the bucket is empty (the caller answers RATE_LIMITED).
 */
export interface RateLimiter {
  take(bucket: RateBucket, key: string): Promise<boolean>;
}

/** Named limits; each has its own capacity and refill rate in the limiter's configuration. */
export type RateBucket = 'login' | 'register' | 'verify' | 'reset' | 'refresh' | 'message';
