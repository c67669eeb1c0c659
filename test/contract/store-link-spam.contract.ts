import { beforeEach, describe, expect, it } from 'vitest';
import { toUserId } from '../../src/core/model/ids.js';
import type { Store } from '../../src/core/ports/store.js';

/** BareRTC's DM link-spam counters (migration 0019), part of the Store contract. */
export function describeLinkSpamContract(getStore: () => Store): void {
  describe('link-spam counters', () => {
    let store: Store;
    beforeEach(() => {
      store = getStore();
    });
    const alice = toUserId(1);
    const bob = toUserId(2);
    const send = (thread: string, at: number, userId = alice, linkHash = 'h1') => store.linkSpam.record({ userId, linkHash, thread, at }, at - 1000);

    it('counts distinct threads per user and link, a thread sent to again only once', async () => {
      expect(await send('t1', 10_000)).toEqual({ threads: 1, warnedAt: null });
      expect(await send('t2', 10_001)).toEqual({ threads: 2, warnedAt: null });
      expect(await send('t1', 10_002)).toEqual({ threads: 2, warnedAt: null });
      expect(await send('t3', 10_003, alice, 'h2')).toEqual({ threads: 1, warnedAt: null });
      expect(await send('t3', 10_004, bob)).toEqual({ threads: 1, warnedAt: null });
      expect(await send('t3', 10_005)).toEqual({ threads: 3, warnedAt: null });
    });

    it('forgets sends and warnings older than the window on write', async () => {
      await send('t1', 20_000);
      await send('t2', 20_500);
      await store.linkSpam.warn(alice, 'h1', 20_500);
      expect(await send('t3', 20_900)).toEqual({ threads: 3, warnedAt: 20_500 });
      // Window is the last 1000 ms: t1 (20 000) is gone at 21 200, t2 and the warning (20 500) stay.
      expect(await send('t4', 21_200)).toEqual({ threads: 3, warnedAt: 20_500 });
      // At 21 600 the warning and t2 are older than 20 600 and forgotten.
      expect(await send('t5', 21_600)).toEqual({ threads: 3, warnedAt: null });
    });

    it('moves a warning forward when given again', async () => {
      await store.linkSpam.warn(bob, 'h9', 30_000);
      await store.linkSpam.warn(bob, 'h9', 30_400);
      expect(await send('x', 30_500, bob, 'h9')).toEqual({ threads: 1, warnedAt: 30_400 });
    });
  });
}
