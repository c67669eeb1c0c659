import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../src/bus/envelope.js';
import { createRedisBus } from '../../src/bus/redis-bus.js';
import type { DomainEvent } from '../../src/core/events.js';
import { REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { describeBusContract, sampleEvent } from './bus.contract.js';

const available = await serviceAvailable('redis');
// A fresh channel per pair: parallel test files and the contract's isolation case rely on it.
const freshChannel = (): string => `${uniquePrefix()}:events`;

describe.runIf(available)(`redis bus at ${REDIS_URL}`, () => {
  describeBusContract('redis', async ({ onError }) => {
    const channel = freshChannel();
    const a = await createRedisBus({ url: REDIS_URL, channel, onError });
    const b = await createRedisBus({ url: REDIS_URL, channel, onError });
    return { a, b, cleanup: async () => { await Promise.all([a.close(), b.close()]); } };
  }, { crossNode: true });

  it('drops and reports envelopes it cannot decode, and delivers valid ones from other nodes', async () => {
    const channel = freshChannel();
    const errors: unknown[] = [];
    const bus = await createRedisBus({ url: REDIS_URL, channel, onError: (e) => errors.push(e) });
    const raw = new Redis(REDIS_URL);
    try {
      const seen: DomainEvent[] = [];
      const arrived = new Promise<void>((resolve) => bus.subscribe((e) => { seen.push(e); resolve(); }));
      await raw.publish(channel, 'not json');
      await raw.publish(channel, JSON.stringify({ v: 2, nodeId: 'future-node', event: sampleEvent(1) }));
      await raw.publish(channel, encodeEnvelope('other-node', sampleEvent(2)));
      await arrived;
      expect(seen).toEqual([sampleEvent(2)]);
      expect(errors).toHaveLength(2);
    } finally {
      raw.disconnect();
      await bus.close();
    }
  });
});

describe('redis bus without a server', () => {
  it('rejects at startup with the connection error, naming Redis, instead of retrying forever', async () => {
    const errors: unknown[] = [];
    // Port 1 is privileged and never runs Redis, so the connection is refused at once.
    await expect(createRedisBus({ url: 'redis://127.0.0.1:1', displayUrl: 'redis://127.0.0.1:1', onError: (e) => errors.push(e) }))
      .rejects.toThrow('Redis at redis://127.0.0.1:1 is unreachable: connect ECONNREFUSED 127.0.0.1:1');
    // The rejection is the one report: start-up failures are not also logged as bus errors.
    expect(errors).toEqual([]);
  });
});
