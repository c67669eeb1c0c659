import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

const relationEvents = () => f.events.filter((e) => e.type === 'relation.changed');

describe('mutes and blocks', () => {
  it('announces every new mute and block, and every one lifted, so every node can apply it at delivery', async () => {
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    await f.core.moderation.relate(alice, bob.id, 'mute');
    await f.core.moderation.relate(alice, bob.id, 'mute'); // already muted: nothing new to tell
    await f.core.moderation.relate(alice, bob.id, 'block');
    expect(await f.core.moderation.unrelate(alice, bob.id, 'mute')).toBe(true);
    expect(await f.core.moderation.unrelate(alice, bob.id, 'mute')).toBe(false); // nothing lifted, nothing told
    await f.settled();
    expect(relationEvents()).toEqual([
      { type: 'relation.changed', ownerId: alice.id, targetId: bob.id, kind: 'mute', added: true },
      { type: 'relation.changed', ownerId: alice.id, targetId: bob.id, kind: 'block', added: true },
      { type: 'relation.changed', ownerId: alice.id, targetId: bob.id, kind: 'mute', added: false },
    ]);
  });

  it('answers what decides a user\'s deliveries, and the relations among a list of users, from the store', async () => {
    const [alice, bob, carol] = [await f.user('alice'), await f.user('bob'), await f.user('carol')];
    await f.core.moderation.relate(alice, bob.id, 'mute');
    await f.core.moderation.relate(carol, alice.id, 'block');
    await f.core.moderation.relate(bob, alice.id, 'mute');
    expect(await f.core.moderation.involving(alice.id)).toEqual([
      { ownerId: alice.id, targetId: bob.id, kind: 'mute' },
      { ownerId: carol.id, targetId: alice.id, kind: 'block' },
    ]);
    expect(await f.core.moderation.among([alice.id, bob.id], ['mute'])).toEqual([
      { ownerId: alice.id, targetId: bob.id, kind: 'mute' },
      { ownerId: bob.id, targetId: alice.id, kind: 'mute' },
    ]);
  });

  it('drops a DM for the recipient who muted its author (BareRTC §4.7): kept by the author, out of the muter\'s history', async () => {
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    const d = await f.core.conversations.openDirect(alice, bob.id);
    await f.core.moderation.relate(bob, alice.id, 'mute');
    const dropped = await f.core.messages.send(alice, { conversationId: d.id, text: 'while muted' });
    await f.core.moderation.unrelate(bob, alice.id, 'mute');
    const after = await f.core.messages.send(alice, { conversationId: d.id, text: 'after unmute' });
    const texts = async (who: typeof alice) => (await f.core.messages.history(who, d.id, { limit: 10 })).messages.map((m) => m.text);
    expect(await texts(alice)).toEqual(['while muted', 'after unmute']);
    expect(await texts(bob)).toEqual(['after unmute']);
    expect(await f.core.messages.unreadCount(bob, d.id)).toBe(1);
    expect(dropped.id).toBeLessThan(after.id);
    // The muter's own DMs still reach the muted user: a mute is one-way.
    await f.core.moderation.relate(bob, alice.id, 'mute');
    await f.core.messages.send(bob, { conversationId: d.id, text: 'from the muter' });
    expect(await texts(alice)).toContain('from the muter');
  });
});
