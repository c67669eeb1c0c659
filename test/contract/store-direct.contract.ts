import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/ports/store.js';
import { draft, storeHelpers } from './store-fixtures.js';

/** Direct-conversation queries of the Store contract (BareRTC's DM history API, issue 10). */
export function describeDirectContract(getStore: () => Store): void {
  describe('direct conversation queries', () => {
    let store: Store;
    beforeEach(() => {
      store = getStore();
    });
    const { createUser, createRoom } = storeHelpers(() => store);

    it('adds one user to several conversations at once, keeping memberships that exist', async () => {
      const [u, other] = [await createUser('joiner'), await createUser('other')];
      const [lobby, news, vip] = [await createRoom('lobby'), await createRoom('news'), await createRoom('vip')];
      await store.conversations.addMember(news.id, u.id, 'owner', 1);
      await store.conversations.addMembers([lobby.id, news.id, vip.id], u.id, 'member', 7);
      expect((await store.conversations.getMember(lobby.id, u.id))?.joinedAt).toBe(7);
      expect((await store.conversations.getMember(vip.id, u.id))?.role).toBe('member');
      expect(await store.conversations.getMember(news.id, u.id)).toMatchObject({ role: 'owner', joinedAt: 1 });
      expect(await store.conversations.getMember(lobby.id, other.id)).toBeNull();
      await store.conversations.addMembers([], u.id, 'member', 8);
    });

    it('counts the messages before an id, leaving out deleted, hidden and floored ones', async () => {
      const [a, b] = [await createUser('a'), await createUser('b')];
      const { conversation } = await store.conversations.ensureDirect(a.id, b.id, 1);
      const sent = [];
      for (let i = 0; i < 6; i++) sent.push(await store.messages.insert(draft(conversation.id, i % 2 === 0 ? a.id : b.id, `m${i}`)));
      await store.messages.markDeleted(sent[1]!.id, 2);
      await store.messages.hide(sent[2]!.id, a.id);
      expect(await store.messages.countBefore(conversation.id, sent[5]!.id)).toBe(4);
      expect(await store.messages.countBefore(conversation.id, sent[5]!.id, { hiddenFor: a.id })).toBe(3);
      expect(await store.messages.countBefore(conversation.id, sent[5]!.id, { hiddenFor: b.id, floorId: sent[2]!.id })).toBe(2);
      expect(await store.messages.countBefore(conversation.id, sent[0]!.id)).toBe(0);
    });

    it('lists the other authors of the user\'s direct conversations, sorted and paged, and counts the threads', async () => {
      const [me, kate, lena, mia, olga] = [await createUser('me'), await createUser('kate'), await createUser('Lena'), await createUser('mia'), await createUser('olga')];
      const room = await createRoom('lobby');
      await store.conversations.addMember(room.id, me.id, 'member', 1);
      await store.conversations.addMember(room.id, olga.id, 'member', 1);
      await store.messages.insert(draft(room.id, olga.id, 'public lines do not count'));
      const dm = async (other: typeof kate) => (await store.conversations.ensureDirect(me.id, other.id, 1)).conversation;
      const [withKate, withLena, withMia] = [await dm(kate), await dm(lena), await dm(mia)];
      await store.messages.insert(draft(withLena.id, lena.id, 'oldest thread'));
      await store.messages.insert(draft(withKate.id, kate.id, 'hi'));
      await store.messages.insert(draft(withMia.id, me.id, 'only I wrote here'));
      await store.messages.insert(draft(withLena.id, lena.id, 'newest line'));

      const page = (sort: 'newest' | 'oldest' | 'a-z' | 'z-a', offset = 0, limit = 9) => store.messages.directPartners(me.id, { sort, offset, limit });
      expect(await page('newest')).toEqual({ usernames: ['Lena', 'kate'], threads: 3 });
      expect((await page('oldest')).usernames).toEqual(['Lena', 'kate']);
      expect((await page('a-z')).usernames).toEqual(['kate', 'Lena']);
      expect((await page('z-a')).usernames).toEqual(['Lena', 'kate']);
      expect(await page('a-z', 1, 1)).toEqual({ usernames: ['Lena'], threads: 3 });
      expect(await store.messages.directPartners(olga.id, { sort: 'newest', offset: 0, limit: 9 })).toEqual({ usernames: [], threads: 0 });
      // The other side sees the caller as a partner in each thread the caller wrote in.
      expect(await store.messages.directPartners(mia.id, { sort: 'newest', offset: 0, limit: 9 })).toEqual({ usernames: ['me'], threads: 1 });
    });
  });
}
