import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateBucket, RateLimiter, RateVerdict } from '../core/ports/rate-limiter.js';

/** One bucket's size: `capacity` attempts per window of `perSeconds`. */
export interface BucketLimit {
  readonly capacity: number;
  readonly perSeconds: number;
}

export interface RateLimiterOptions {
  /** Per-bucket limits; null disables limiting. */
  readonly limits: Readonly<Record<RateBucket, BucketLimit>> | null;
  /** redis:// URL: the counters live in Redis, shared by every node; '' or absent: in this process. */
  readonly redisUrl?: string;
  /** Prefix of the Redis keys (the cluster's bus channel keeps two clusters on one Redis apart). */
  readonly keyPrefix?: string;
  /** Called for each refusal (metrics). */
  readonly onRefused?: (bucket: RateBucket) => void;
  /** A Redis failure (the limiter then counts in this process until Redis answers again). */
  readonly onError?: (err: unknown) => void;
}

/** A limiter and the way to release what it holds (its Redis connection). */
export interface ClosableRateLimiter extends RateLimiter {
  close(): Promise<void>;
}

/**
 * Rate limits through rate-limiter-flexible: fixed windows of `perSeconds` holding `capacity`
 * attempts per key. With Redis, every node counts in the same keys (atomic INCR + PEXPIRE), so a
 * cluster allows the configured rate, not N times it; when Redis does not answer, an in-process
 * limiter with the same limits stands in (the library's insurance limiter), so an outage neither
 * locks everyone out nor lets floods through unmetered.
 */
export async function createRateLimiter(options: RateLimiterOptions): Promise<ClosableRateLimiter> {
  const { limits } = options;
  if (limits === null) return { take: async () => ALLOWED, close: async () => undefined };
  const redis = options.redisUrl ? await openRedis(options.redisUrl, options.onError) : null;
  const byBucket = new Map<RateBucket, RateLimiterAbstract>();
  for (const [bucket, { capacity, perSeconds }] of Object.entries(limits) as [RateBucket, BucketLimit][]) {
    const base = { points: capacity, duration: perSeconds, keyPrefix: `${options.keyPrefix ?? 'parley'}:rl:${bucket}` };
    const memory = new RateLimiterMemory(base);
    byBucket.set(bucket, redis ? new RateLimiterRedis({ ...base, storeClient: redis, insuranceLimiter: memory, rejectIfRedisNotReady: true }) : memory);
  }
  return {
    async take(bucket, key) {
      const limiter = byBucket.get(bucket);
      if (!limiter) return ALLOWED;
      try {
        await limiter.consume(key);
        return ALLOWED;
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e; // neither Redis nor the insurance answered
        options.onRefused?.(bucket);
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)) };
      }
    },
    async close() {
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

const ALLOWED: RateVerdict = { allowed: true, retryAfterSeconds: 0 };

/** A Redis connection for the counters (not the bus's: a subscribed connection cannot INCR). */
async function openRedis(url: string, onError?: (err: unknown) => void): Promise<import('ioredis').Redis> {
  const { Redis } = await import('ioredis');
  // No offline queue: a command while Redis is away fails at once and the insurance limiter answers.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', (err: unknown) => onError?.(err));
  await client.connect();
  return client;
}
