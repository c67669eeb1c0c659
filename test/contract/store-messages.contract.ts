import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatError } from '../../src/core/errors.js';
import { toConversationId, toMessageId } from '../../src/core/model/ids.js';
import type { Store } from '../../src/core/ports/store.js';
import { draft, storeHelpers } from './store-fixtures.js';

/** The message part of the Store contract; `getStore` yields the current test's store. */
export function describeMessageContract(getStore: () => Store): void {
  describe('messages', () => {
    let store: Store;
    beforeEach(() => {
      store = getStore();
    });
    const { createUser, createRoom, roomWithAuthor } = storeHelpers(() => store);

    it('returns the stored message from insert', async () => {
      const { room, author } = await roomWithAuthor();
      const message = await store.messages.insert(draft(room.id, author.id, '**hi**', { format: 'markdown', clientId: 'c1' }));
      expect(message).toEqual({
        id: message.id, conversationId: room.id, authorId: author.id, text: '**hi**', format: 'markdown',
        replyToId: null, clientId: 'c1', createdAt: 1_700_000_000_000, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null,
      });
      expect(await store.messages.findById(message.id)).toEqual(message);
      const reply = await store.messages.insert(draft(room.id, author.id, 're', { replyToId: message.id }));
      expect((await store.messages.findById(reply.id))?.replyToId).toBe(message.id);
      expect(await store.messages.findById(toMessageId(99_999))).toBeNull();
    });

    it('leaves deleted messages out of a page before the limit when asked, and hides what is at or below a floor', async () => {
      const { room, author } = await roomWithAuthor();
      const sent = [];
      for (let i = 0; i < 5; i++) sent.push(await store.messages.insert(draft(room.id, author.id, `m${i}`)));
      await store.messages.markDeleted(sent[4]!.id, 9);
      expect((await store.messages.history(room.id, { limit: 2, skipDeleted: true })).messages.map((m) => m.text)).toEqual(['m2', 'm3']);
      expect((await store.messages.history(room.id, { limit: 2 })).messages.map((m) => m.text)).toEqual(['m3', '']);
      expect((await store.messages.history(room.id, { limit: 10, floorId: sent[1]!.id, skipDeleted: true })).messages.map((m) => m.text)).toEqual(['m2', 'm3']);
    });

    it('hides a message from one reader only, in history and unread lists', async () => {
      const { room, author } = await roomWithAuthor();
      const reader = await createUser('reader');
      await store.conversations.addMember(room.id, reader.id, 'member', 1);
      const [a, b] = [await store.messages.insert(draft(room.id, author.id, 'a')), await store.messages.insert(draft(room.id, author.id, 'b'))];
      await store.messages.hide(a.id, reader.id);
      await store.messages.hide(a.id, reader.id); // idempotent
      expect(await store.messages.isHidden(a.id, reader.id)).toBe(true);
      expect(await store.messages.isHidden(a.id, author.id)).toBe(false);
      expect((await store.messages.history(room.id, { limit: 10, hiddenFor: reader.id })).messages.map((m) => m.id)).toEqual([b.id]);
      expect((await store.messages.history(room.id, { limit: 10, hiddenFor: author.id })).messages.map((m) => m.id)).toEqual([a.id, b.id]);
      expect((await store.messages.unreadFor(reader.id, 10)).map((m) => m.id)).toEqual([b.id]);
    });

    it('keeps an attachment\'s metadata with the message', async () => {
      const { room, author } = await roomWithAuthor();
      const attachment = { fileId: 'f-1', name: 'x.png', size: 1487, mimeType: 'image/png' };
      const message = await store.messages.insert(draft(room.id, author.id, '', { attachment }));
      expect(message.attachment).toEqual(attachment);
      expect((await store.messages.findById(message.id))?.attachment).toEqual(attachment);
    });

    it('lists a reader\'s unread messages across conversations, oldest first, capped to the newest', async () => {
      const { room, author } = await roomWithAuthor();
      const reader = await createUser('reader');
      const other = await createRoom('other');
      for (const r of [room, other]) await store.conversations.addMember(r.id, reader.id, 'member', 1);
      const sent = [];
      for (let i = 0; i < 6; i++) sent.push(await store.messages.insert(draft(i % 2 ? other.id : room.id, author.id, `m${i}`)));
      await store.messages.insert(draft(room.id, reader.id, 'mine')); // never unread for its author
      await store.messages.markDeleted(sent[5]!.id, 2);
      await store.conversations.setReadPosition(room.id, reader.id, sent[2]!.id); // m0, m2 read
      expect((await store.messages.unreadFor(reader.id, 10)).map((m) => m.text)).toEqual(['m1', 'm3', 'm4']);
      expect((await store.messages.unreadFor(reader.id, 2)).map((m) => m.text)).toEqual(['m3', 'm4']);
      expect(await store.messages.countUnread(room.id, sent[2]!.id, reader.id)).toBe(1);
      expect(await store.messages.countUnread(other.id, toMessageId(0), reader.id)).toBe(2);
    });

    it('assigns strictly increasing ids across conversations', async () => {
      const { room, author } = await roomWithAuthor();
      const other = await createRoom('other');
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) ids.push((await store.messages.insert(draft(i % 2 === 0 ? room.id : other.id, author.id, `m${i}`))).id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('commits 200 concurrent inserts with distinct ids increasing in call order', async () => {
      const { room, author } = await roomWithAuthor();
      const messages = await Promise.all(Array.from({ length: 200 }, (_, i) => store.messages.insert(draft(room.id, author.id, `m${i}`))));
      messages.forEach((m, i) => expect(m.text).toBe(`m${i}`));
      for (let i = 1; i < messages.length; i++) expect(messages[i]!.id).toBeGreaterThan(messages[i - 1]!.id);
      const page = await store.messages.history(room.id, { limit: 1000 });
      expect(page.messages).toEqual(messages);
    });

    it('resolves a repeated clientId of the same author to the first message', async () => {
      const { room, author } = await roomWithAuthor();
      const other = await createUser('other');
      const first = await store.messages.insert(draft(room.id, author.id, 'once', { clientId: 'k' }));
      const retry = await store.messages.insert(draft(room.id, author.id, 'twice', { clientId: 'k' }));
      const otherAuthors = await store.messages.insert(draft(room.id, other.id, 'mine', { clientId: 'k' }));
      expect(retry).toEqual(first);
      expect(otherAuthors.id).not.toBe(first.id);
      expect((await store.messages.history(room.id, { limit: 10 })).messages).toHaveLength(2);
    });

    it('stores one message for duplicate clientIds within one batch', async () => {
      const { room, author } = await roomWithAuthor();
      const results = await Promise.all([
        store.messages.insert(draft(room.id, author.id, 'a', { clientId: 'same' })),
        store.messages.insert(draft(room.id, author.id, 'plain')),
        store.messages.insert(draft(room.id, author.id, 'b', { clientId: 'same' })),
        store.messages.insert(draft(room.id, author.id, 'c', { clientId: 'same' })),
      ]);
      expect(results[2]).toEqual(results[0]);
      expect(results[3]).toEqual(results[0]);
      expect(results[0]?.text).toBe('a');
      expect((await store.messages.history(room.id, { limit: 10 })).messages.map((m) => m.text)).toEqual(['a', 'plain']);
    });

    it('fails only the faulty insert of a batch', async () => {
      const { room, author } = await roomWithAuthor();
      const results = await Promise.allSettled([
        store.messages.insert(draft(room.id, author.id, 'ok1')),
        store.messages.insert(draft(toConversationId(99_999), author.id, 'no such conversation')),
        store.messages.insert(draft(room.id, author.id, 'ok2')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await store.messages.history(room.id, { limit: 10 })).messages.map((m) => m.text)).toEqual(['ok1', 'ok2']);
    });

    describe('history', () => {
      /** Five messages in the room, plus noise in another conversation. */
      async function fiveMessages() {
        const { room, author } = await roomWithAuthor();
        const noise = await createRoom('noise');
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) {
          ids.push((await store.messages.insert(draft(room.id, author.id, `m${i}`))).id);
          await store.messages.insert(draft(noise.id, author.id, 'noise'));
        }
        return { room, ids };
      }

      it('returns the newest page oldest first, with hasMore when older messages exist', async () => {
        const { room, ids } = await fiveMessages();
        const page = await store.messages.history(room.id, { limit: 2 });
        expect(page.messages.map((m) => m.id)).toEqual(ids.slice(3));
        expect(page.hasMore).toBe(true);
        const all = await store.messages.history(room.id, { limit: 5 });
        expect(all.messages.map((m) => m.id)).toEqual(ids);
        expect(all.hasMore).toBe(false);
      });

      it('pages backward with beforeId', async () => {
        const { room, ids } = await fiveMessages();
        const older = await store.messages.history(room.id, { beforeId: toMessageId(ids[3]!), limit: 2 });
        expect(older.messages.map((m) => m.id)).toEqual(ids.slice(1, 3));
        expect(older.hasMore).toBe(true);
        const oldest = await store.messages.history(room.id, { beforeId: toMessageId(ids[1]!), limit: 2 });
        expect(oldest.messages.map((m) => m.id)).toEqual(ids.slice(0, 1));
        expect(oldest.hasMore).toBe(false);
      });

      it('pages forward with afterId, hasMore telling whether newer messages follow', async () => {
        const { room, ids } = await fiveMessages();
        const next = await store.messages.history(room.id, { afterId: toMessageId(ids[0]!), limit: 2 });
        expect(next.messages.map((m) => m.id)).toEqual(ids.slice(1, 3));
        expect(next.hasMore).toBe(true);
        const last = await store.messages.history(room.id, { afterId: toMessageId(ids[2]!), limit: 2 });
        expect(last.messages.map((m) => m.id)).toEqual(ids.slice(3));
        expect(last.hasMore).toBe(false);
      });

      it('includes deleted messages with deletedAt set', async () => {
        const { room, ids } = await fiveMessages();
        await store.messages.markDeleted(toMessageId(ids[4]!), 77);
        const page = await store.messages.history(room.id, { limit: 1 });
        expect(page.messages[0]).toMatchObject({ id: ids[4], text: '', deletedAt: 77 });
      });
    });

    it('edits and marks messages deleted, returning null for unknown ids', async () => {
      const { room, author } = await roomWithAuthor();
      const message = await store.messages.insert(draft(room.id, author.id, 'draft'));
      const edited = await store.messages.edit(message.id, 'final', 50);
      expect(edited).toEqual({ ...message, text: 'final', editedAt: 50 });
      const deleted = await store.messages.markDeleted(message.id, 60);
      expect(deleted).toEqual({ ...message, text: '', editedAt: 50, deletedAt: 60 });
      expect(await store.messages.findById(message.id)).toEqual(deleted);
      expect(await store.messages.edit(toMessageId(99_999), 'x', 1)).toBeNull();
      expect(await store.messages.markDeleted(toMessageId(99_999), 1)).toBeNull();
    });

    it('removes every message of one author in every conversation, with what others hid of them, and keeps the rest', async () => {
      const { room, author } = await roomWithAuthor();
      const other = await createUser('other');
      const second = await createRoom('second');
      const gone = [await store.messages.insert(draft(room.id, author.id, 'a1')), await store.messages.insert(draft(second.id, author.id, 'a2'))];
      const kept = await store.messages.insert(draft(room.id, other.id, 'o1', { replyToId: gone[0]!.id }));
      await store.messages.hide(gone[0]!.id, other.id);
      const queued = store.messages.insert(draft(room.id, author.id, 'queued')); // not yet committed
      expect(await store.messages.deleteByAuthor(author.id)).toBe(3);
      await queued;
      for (const m of gone) expect(await store.messages.findById(m.id)).toBeNull();
      expect((await store.messages.history(room.id, { limit: 10 })).messages).toEqual([kept]);
      expect(await store.messages.isHidden(gone[0]!.id, other.id)).toBe(false);
      expect(await store.messages.deleteByAuthor(author.id)).toBe(0);
    });

    it('stores a new format with an edit when one is given, and keeps the old one otherwise', async () => {
      const { room, author } = await roomWithAuthor();
      const message = await store.messages.insert(draft(room.id, author.id, 'plain'));
      expect(await store.messages.edit(message.id, '<b>bold</b>', 50, 'html')).toEqual({ ...message, text: '<b>bold</b>', format: 'html', editedAt: 50 });
      expect(await store.messages.edit(message.id, '<i>still html</i>', 60)).toEqual({ ...message, text: '<i>still html</i>', format: 'html', editedAt: 60 });
      expect((await store.messages.findById(message.id))?.format).toBe('html');
    });

    it('leaves forwards out of a page when asked, before the limit', async () => {
      const { room, author } = await roomWithAuthor();
      const original = await store.messages.insert(draft(room.id, author.id, 'original'));
      const plain = await store.messages.insert(draft(room.id, author.id, 'plain'));
      await store.messages.insert(draft(room.id, author.id, 'original', { forwardOfId: original.id }));
      expect((await store.messages.history(room.id, { limit: 1, skipForwards: true })).messages.map((m) => m.id)).toEqual([plain.id]);
      expect((await store.messages.history(room.id, { limit: 10 })).messages).toHaveLength(3);
    });

    it('commits inserts still queued when close is called', async () => {
      const { room, author } = await roomWithAuthor();
      const pending = Array.from({ length: 50 }, (_, i) => store.messages.insert(draft(room.id, author.id, `m${i}`)));
      await store.close();
      const messages = await Promise.all(pending);
      expect(new Set(messages.map((m) => m.id)).size).toBe(50);
      const error = await store.messages.insert(draft(room.id, author.id, 'late')).catch((e: unknown) => e);
      expect((error as ChatError).code).toBe('UNAVAILABLE');
      await store.close();
    });
  });
}
