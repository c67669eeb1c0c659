import { afterEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';
import { eventually } from '../../../test/helpers/wait.js';
import type { Principal } from '../model/principal.js';
import type { Store } from '../ports/store.js';
import type { IncomingFile, UploadPolicy } from './file-service.js';

const HOUR = 3_600_000;
let f: CoreFixture | undefined;
afterEach(() => f?.close());

/**
 * A store whose `files.create` waits while `held` is true, and a count of uploads whose bytes
 * are in memory: from `read()` until their row is stored.
 */
function observedStore() {
  const state = { held: true, waiting: [] as (() => void)[], inMemory: 0, peak: 0, creates: 0 };
  const release = () => {
    state.held = false;
    for (const go of state.waiting.splice(0)) go();
  };
  const wrap = (store: Store): Store => ({
    ...store,
    files: {
      ...store.files,
      async create(file) {
        state.creates++;
        if (state.held) await new Promise<void>((resolve) => state.waiting.push(resolve));
        await store.files.create(file);
        state.inMemory--;
      },
    },
  });
  /** An upload of `size` bytes whose `read` is counted. */
  const incoming = (size: number, reads: { n: number } = { n: 0 }): IncomingFile => ({
    name: 'f.bin',
    mimeType: 'application/octet-stream',
    size,
    async read() {
      reads.n++;
      state.peak = Math.max(state.peak, ++state.inMemory);
      return new Uint8Array(size);
    },
  });
  return { state, release, wrap, incoming };
}

async function fixture(policy: Partial<UploadPolicy>, wrapStore?: (s: Store) => Store): Promise<CoreFixture> {
  f = await coreFixture({ fileUploads: { maxConcurrent: 4, maxQueued: 64, unsentRetentionMs: 24 * HOUR, ...policy }, ...(wrapStore ? { wrapStore } : {}) });
  return f;
}

const task = (core: CoreFixture['core'], user: Principal, size = 4) => core.files.requestUpload(user, { name: 'f.bin', size });

describe('uploads (issue 8)', () => {
  it('never holds more than maxConcurrent uploads in memory; the others wait their turn and then complete', async () => {
    const o = observedStore();
    const { core, user } = await fixture({ maxConcurrent: 3 }, o.wrap);
    const u = await user('bot');
    const tasks = await Promise.all(Array.from({ length: 10 }, () => task(core, u)));
    const uploads = tasks.map((t) => core.files.upload(t, o.incoming(4)));
    await eventually(() => expect(core.files.uploads).toEqual({ active: 3, queued: 7 }));
    expect(o.state.waiting).toHaveLength(3);
    expect(o.state.inMemory).toBe(3);
    o.release();
    expect(new Set(await Promise.all(uploads)).size).toBe(10);
    expect(o.state.peak).toBe(3);
    expect(core.files.uploads).toEqual({ active: 0, queued: 0 });
  });

  it('refuses an upload beyond the queue with UNAVAILABLE without reading it or using its task, so it can be retried', async () => {
    const o = observedStore();
    const { core, user } = await fixture({ maxConcurrent: 1, maxQueued: 1 }, o.wrap);
    const u = await user('bot');
    const [a, b, c] = [await task(core, u), await task(core, u), await task(core, u)];
    const first = core.files.upload(a, o.incoming(4));
    await eventually(() => expect(o.state.waiting).toHaveLength(1));
    const second = core.files.upload(b, o.incoming(4));
    await eventually(() => expect(core.files.uploads.queued).toBe(1));
    const reads = { n: 0 };
    await expect(core.files.upload(c, o.incoming(4, reads))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(reads.n).toBe(0);
    o.release();
    await Promise.all([first, second]);
    await expect(core.files.upload(c, o.incoming(4, reads))).resolves.toEqual(expect.any(String));
  });

  it('refuses an upload larger than its task with FILE_REJECTED before reading or storing it, keeping the task', async () => {
    const o = observedStore();
    o.release();
    const { core, user } = await fixture({}, o.wrap);
    const u = await user('bot');
    const t = await task(core, u, 4);
    const reads = { n: 0 };
    await expect(core.files.upload(t, o.incoming(5, reads))).rejects.toMatchObject({ code: 'FILE_REJECTED' });
    expect(reads.n).toBe(0);
    expect(o.state.creates).toBe(0);
    await expect(core.files.upload(t, o.incoming(4))).resolves.toEqual(expect.any(String));
    await expect(core.files.upload(t, o.incoming(4))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' }); // single use
  });
});

describe('unsent uploads (issue 8)', () => {
  it('are deleted with old upload tasks once older than the retention; sent files and newer uploads stay', async () => {
    const { core, user, clock } = await fixture({ unsentRetentionMs: 24 * HOUR });
    const o = observedStore();
    const u = await user('bot');
    const group = await core.conversations.createGroup(u, 'files', []);
    const oldUnsent = await core.files.upload(await task(core, u), o.incoming(4));
    const oldSent = await core.files.upload(await task(core, u), o.incoming(4));
    const { message } = await core.files.send(u, { conversationId: group.id, temporalId: oldSent });
    const oldTask = await task(core, u);
    clock.advance(24 * HOUR + 1);
    const newUnsent = await core.files.upload(await task(core, u), o.incoming(4));
    const newTask = await task(core, u);

    // Tasks: the two used ones and the unused one from before the cutoff.
    expect(await core.files.sweepUnsent()).toEqual({ files: 1, tasks: 3 });
    expect(await core.files.sweepUnsent()).toEqual({ files: 0, tasks: 0 });

    await expect(core.files.send(u, { conversationId: group.id, temporalId: oldUnsent })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(core.files.upload(oldTask, o.incoming(4))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect((await core.files.info(u, message.attachment!.fileId)).id).toBe(message.attachment!.fileId);
    await expect(core.files.send(u, { conversationId: group.id, temporalId: newUnsent })).resolves.toMatchObject({ caption: null });
    await expect(core.files.upload(newTask, o.incoming(4))).resolves.toEqual(expect.any(String));
  });
});

describe('downloads (issue 12)', () => {
  it('serve a file while a message that is not deleted carries it, and never after the last one is deleted', async () => {
    const { core, user } = await fixture({});
    const o = observedStore();
    const [u, reader] = [await user('bot'), await user('reader')];
    const [g1, g2] = [await core.conversations.createGroup(u, 'one', [reader.id]), await core.conversations.createGroup(u, 'two', [reader.id])];
    const temporalId = await core.files.upload(await task(core, u), o.incoming(4));
    const { message } = await core.files.send(u, { conversationId: g1.id, temporalId });
    const fileId = message.attachment!.fileId;
    const capability = core.files.capability(fileId);
    const forward = await core.messages.forward(u, message.id, g2.id);
    await core.messages.remove(u, message.id);
    await expect(core.files.readWithCapability(fileId, capability)).resolves.toMatchObject({ file: { id: fileId } });
    await core.messages.remove(u, forward.id);
    await expect(core.files.readWithCapability(fileId, capability)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(core.files.info(u, fileId)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(core.files.info(reader, fileId)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
