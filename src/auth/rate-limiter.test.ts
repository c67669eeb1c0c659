import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { REDIS_URL, serviceAvailable, uniquePrefix } from '../../test/helpers/services.js';
import type { RateBucket } from '../core/ports/rate-limiter.js';
import { createRateLimiter, type BucketLimit, type ClosableRateLimiter } from './rate-limiter.js';

/** Every bucket with the same limit. */
const everyBucket = (limit: BucketLimit): Record<RateBucket, BucketLimit> => ({ login: limit, register: limit, verify: limit, reset: limit, refresh: limit, message: limit });

const opened: ClosableRateLimiter[] = [];
async function limiter(options: Parameters<typeof createRateLimiter>[0]): Promise<ClosableRateLimiter> {
  const l = await createRateLimiter(options);
  opened.push(l);
  return l;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const l of opened.splice(0)) await l.close();
});

describe('createRateLimiter in one process', () => {
  it('allows `capacity` attempts per key and window, then refuses with the seconds left in the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-03T12:00:00Z') });
    const refused: RateBucket[] = [];
    const l = await limiter({ limits: everyBucket({ capacity: 2, perSeconds: 60 }), onRefused: (b) => refused.push(b) });
    expect(await l.take('login', 'address:10.0.0.1')).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect((await l.take('login', 'address:10.0.0.1')).allowed).toBe(true);
    vi.setSystemTime(new Date('2026-12-03T12:00:20Z'));
    expect(await l.take('login', 'address:10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 40 });
    // Other keys and other buckets keep their own counts.
    expect((await l.take('login', 'address:10.0.0.2')).allowed).toBe(true);
    expect((await l.take('register', 'address:10.0.0.1')).allowed).toBe(true);
    expect(refused).toEqual(['login']);
    // A new window, a new budget.
    vi.setSystemTime(new Date('2026-12-03T12:01:01Z'));
    expect((await l.take('login', 'address:10.0.0.1')).allowed).toBe(true);
  });

  it('allows everything when limits are off', async () => {
    const l = await limiter({ limits: null });
    for (let i = 0; i < 100; i++) expect((await l.take('message', 'user:1')).allowed).toBe(true);
  });
});

describe.runIf(await serviceAvailable('redis'))('createRateLimiter on Redis', () => {
  let prefix: string;
  beforeAll(() => {
    prefix = uniquePrefix();
  });

  it('counts in one budget across nodes: two limiters on the same Redis share each key', async () => {
    const limits = everyBucket({ capacity: 3, perSeconds: 60 });
    const nodeA = await limiter({ limits, redisUrl: REDIS_URL, keyPrefix: prefix });
    const nodeB = await limiter({ limits, redisUrl: REDIS_URL, keyPrefix: prefix });
    expect((await nodeA.take('register', 'address:203.0.113.9')).allowed).toBe(true);
    expect((await nodeB.take('register', 'address:203.0.113.9')).allowed).toBe(true);
    expect((await nodeA.take('register', 'address:203.0.113.9')).allowed).toBe(true);
    const refused = await nodeB.take('register', 'address:203.0.113.9');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another cluster on the same Redis (another prefix) is not charged.
    const otherCluster = await limiter({ limits, redisUrl: REDIS_URL, keyPrefix: uniquePrefix() });
    expect((await otherCluster.take('register', 'address:203.0.113.9')).allowed).toBe(true);
  });

  it('keeps limiting in the process while Redis does not answer', async () => {
    // A forwarder to Redis that the test cuts, leaving the limiter's connection dead.
    const sockets = new Set<net.Socket>();
    const forwarder = net.createServer((client) => {
      const { hostname, port } = new URL(REDIS_URL);
      const upstream = net.connect(Number(port), hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
    const { port } = forwarder.address() as net.AddressInfo;
    const errors: unknown[] = [];
    const l = await limiter({ limits: everyBucket({ capacity: 2, perSeconds: 60 }), redisUrl: `redis://127.0.0.1:${port}`, keyPrefix: prefix, onError: (e) => errors.push(e) });
    expect((await l.take('login', 'account:alice')).allowed).toBe(true);
    const closed = new Promise<void>((resolve) => forwarder.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
    expect((await l.take('login', 'account:bob')).allowed).toBe(true);
    expect((await l.take('login', 'account:bob')).allowed).toBe(true);
    expect((await l.take('login', 'account:bob')).allowed).toBe(false);
  });
});
