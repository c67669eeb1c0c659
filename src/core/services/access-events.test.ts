import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';
import { createLocalBus } from '../../bus/local-bus.js';
import type { AccessEvent } from '../events.js';
import { toUserId } from '../model/ids.js';
import { createAccessEvents } from './access-events.js';

// The database feed every node polls for account and ban changes (issue 8): what a CLI process
// writes reaches a server it shares no bus with.
let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

/** A second process on the same database: its own feed, its own (unconnected) bus. */
const otherProcess = () => createAccessEvents({ store: f.store, bus: createLocalBus(), clock: f.clock });

describe('access events', () => {
  it('hands a poller what another process announced, once', async () => {
    const poller = otherProcess();
    const cli = otherProcess();
    const event: AccessEvent = { type: 'token_family.revoked', userId: toUserId(1), familyId: 'f' };
    await cli.announce(event);
    expect(await poller.poll()).toEqual([event]);
    expect(await poller.poll()).toEqual([]);
  });

  it('reads a burst larger than one page whole', async () => {
    const poller = otherProcess();
    const cli = otherProcess();
    for (let i = 0; i < 1200; i++) await cli.announce({ type: 'account.revoked', userId: toUserId(i + 1), generation: 1, reason: 'sessions' });
    const seen = await poller.poll();
    expect(seen).toHaveLength(1200);
    expect(new Set(seen.map((e) => e.userId)).size).toBe(1200);
  });

  it('still sees an event recorded a little before its previous poll (late commits, skewed clocks)', async () => {
    const poller = otherProcess();
    await poller.poll();
    const late: AccessEvent = { type: 'user.banned', userId: toUserId(3), conversationId: null };
    await f.store.accessEvents.append(late, f.clock.now() - 5_000);
    expect(await poller.poll()).toEqual([late]);
  });
});
