import type { RateBucket, RateLimiter } from '../core/ports/rate-limiter.js';
import type { Clock } from '../core/ports/clock.js';

/** One bucket's size: `capacity` attempts, refilled evenly over `perSeconds`. */
export interface BucketLimit {
  readonly capacity: number;
  readonly perSeconds: number;
}

/** Buckets kept per limiter before idle full ones are dropped (bounds memory under scans). */
const MAX_KEYS = 100_000;

/**
 * In-process token buckets, one per (bucket, key). Each node limits on its own, so a cluster of
 * N nodes allows up to N times the configured rate; the limits are meant to blunt guessing and
 * flooding, not to meter exactly. `limits: null` disables limiting.
 */
export function createTokenBucketRateLimiter(limits: Readonly<Record<RateBucket, BucketLimit>> | null, clock: Clock): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(bucket, key) {
      if (limits === null) return true;
      const { capacity, perSeconds } = limits[bucket];
      const now = clock.now();
      const id = `${bucket}\u0000${key}`;
      const state = buckets.get(id) ?? { tokens: capacity, at: now };
      const refilled = Math.min(capacity, state.tokens + ((now - state.at) / (perSeconds * 1000)) * capacity);
      const allowed = refilled >= 1;
      buckets.delete(id); // re-insert: Map order is recency, oldest first for eviction
      buckets.set(id, { tokens: allowed ? refilled - 1 : refilled, at: now });
      if (buckets.size > MAX_KEYS) buckets.delete(buckets.keys().next().value as string);
      return allowed;
    },
  };
}
