import { describe, expect, it } from 'vitest';
import type { RateBucket, RateLimiter } from '../ports/rate-limiter.js';
import { retryAfterOf } from '../errors.js';
import { enforceLimits } from './limits.js';

/** A limiter that records the keys it was asked for and allows `capacity` takes per key. */
function countingLimiter(capacity: number): RateLimiter & { readonly keys: string[] } {
  const used = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    async take(bucket: RateBucket, key: string) {
      keys.push(key);
      const n = (used.get(`${bucket}/${key}`) ?? 0) + 1;
      used.set(`${bucket}/${key}`, n);
      return { allowed: n <= capacity, retryAfterSeconds: n <= capacity ? 0 : 7 };
    },
  };
}

describe('enforceLimits', () => {
  it('charges every spelling that finds the same account to one budget (full width, case, composition)', async () => {
    const limiter = countingLimiter(3);
    for (const name of ['alice', 'ALICE', '\uff41\uff4c\uff49\uff43\uff45']) await enforceLimits(limiter, 'login', { account: name });
    await expect(enforceLimits(limiter, 'login', { account: '\uff21lice' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(new Set(limiter.keys)).toEqual(new Set(['account:alice']));
  });

  it('says how long to wait, and keys the message flood limit by user id', async () => {
    const limiter = countingLimiter(1);
    await enforceLimits(limiter, 'message', { user: 42 as never });
    const refused = await enforceLimits(limiter, 'message', { user: 42 as never }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', message: 'You are sending messages too fast, slow down', details: { retryAfterSeconds: 7 } });
    expect(retryAfterOf(refused)).toBe(7);
    expect(retryAfterOf(new Error('x'))).toBeNull();
    await enforceLimits(limiter, 'message', { user: 43 as never });
    expect(limiter.keys).toEqual(['user:42', 'user:42', 'user:43']);
  });

  it('keeps other accounts and addresses in their own budgets', async () => {
    const limiter = countingLimiter(1);
    await enforceLimits(limiter, 'login', { account: 'alice', origin: { address: '10.0.0.1' } });
    await enforceLimits(limiter, 'login', { account: 'bob', origin: { address: '10.0.0.2' } });
    await expect(enforceLimits(limiter, 'login', { account: 'Alice', origin: { address: '10.0.0.3' } })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});
