import { beforeEach, describe, expect, it } from 'vitest';
import type { UserId } from '../../src/core/model/ids.js';
import type { Store } from '../../src/core/ports/store.js';
import { draft, storeHelpers } from './store-fixtures.js';

/** The file part of the Store contract; `getStore` yields the current test's store. */
export function describeFileContract(getStore: () => Store): void {
  describe('files', () => {
    let store: Store;
    beforeEach(() => {
      store = getStore();
    });
    const { createUser, roomWithAuthor } = storeHelpers(() => store);
    let ids = 0;
    /** Store an upload of `uploader` made at `createdAt`; resolves to its file id and temporal id. */
    async function upload(uploader: UserId, createdAt: number): Promise<{ id: string; temporalId: string }> {
      const id = `file-${++ids}`;
      const temporalId = `temp-${ids}`;
      await store.files.create({ id, temporalId, name: 'a.bin', size: 3, mimeType: 'application/octet-stream', data: Uint8Array.of(1, 2, 3), uploaderId: uploader, createdAt });
      return { id, temporalId };
    }

    it('deletes uploads no message took and upload tasks created before the cutoff, and nothing else', async () => {
      const { room, author } = await roomWithAuthor();
      const oldUnsent = await upload(author.id, 1000);
      const oldSent = await upload(author.id, 1000);
      await store.files.takeTemporal(oldSent.temporalId);
      await store.messages.insert(draft(room.id, author.id, '', { attachment: { fileId: oldSent.id, name: 'a.bin', size: 3, mimeType: 'application/octet-stream' } }));
      const newUnsent = await upload(author.id, 5000);
      await store.files.createTask({ id: 'old-task', userId: author.id, fileName: 'a', fileSize: 1, createdAt: 1000 });
      await store.files.createTask({ id: 'used-task', userId: author.id, fileName: 'a', fileSize: 1, createdAt: 1000 });
      await store.files.consumeTask('used-task', 1500);
      await store.files.createTask({ id: 'new-task', userId: author.id, fileName: 'a', fileSize: 1, createdAt: 5000 });

      expect(await store.files.deleteUnsent(3000)).toEqual({ files: 1, tasks: 2 });
      expect(await store.files.find(oldUnsent.id)).toBeNull();
      expect(await store.files.find(oldSent.id)).not.toBeNull();
      expect(await store.files.findTemporal(newUnsent.temporalId)).not.toBeNull();
      expect(await store.files.findTask('old-task')).toBeNull();
      expect(await store.files.findTask('new-task')).not.toBeNull();
      expect(await Promise.all([store.files.deleteUnsent(3000), store.files.deleteUnsent(3000)])).toEqual([{ files: 0, tasks: 0 }, { files: 0, tasks: 0 }]);
    });

    it('reads a file only while a message that is not deleted carries it or a conversation shows it', async () => {
      const { room, author } = await roomWithAuthor();
      const outsider = await createUser('outsider');
      const file = await upload(author.id, 1000);
      expect(await store.files.read(file.id)).toBeNull(); // still waiting for a message
      await store.files.takeTemporal(file.temporalId);
      const attachment = { fileId: file.id, name: 'a.bin', size: 3, mimeType: 'application/octet-stream' };
      const first = await store.messages.insert(draft(room.id, author.id, '', { attachment }));
      const second = await store.messages.insert(draft(room.id, author.id, '', { attachment }));
      expect(Array.from((await store.files.read(file.id))!.data)).toEqual([1, 2, 3]);
      await store.messages.markDeleted(first.id, 2000);
      expect(await store.files.read(file.id)).not.toBeNull();
      expect(await store.files.canRead(file.id, author.id)).toBe(true);
      await store.messages.markDeleted(second.id, 2000);
      expect(await store.files.read(file.id)).toBeNull();
      expect(await store.files.canRead(file.id, author.id)).toBe(false);
      expect(await store.files.canRead(file.id, outsider.id)).toBe(false);
      await store.conversations.setAvatar(room.id, file.id);
      expect(await store.files.read(file.id)).not.toBeNull();
      await store.conversations.setAvatar(room.id, null);
      expect(await store.files.read(file.id)).toBeNull();
    });
  });
}
