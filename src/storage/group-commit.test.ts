import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.js';

/** A batch commit that is durable as soon as it is written. */
const durableAt = <R>(results: readonly R[]) => ({ results, durable: Promise.resolve() });

/** A promise with its settlers outside. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** A group commit whose k-th batch is durable when `flushes[k]` settles; `written` lists the batches written. */
function flushedBy(flushes: readonly ReturnType<typeof deferred>[]) {
  const written: number[][] = [];
  const gc = createGroupCommit<number, number>({
    commitBatch: async (drafts) => {
      written.push([...drafts]);
      return { results: drafts, durable: flushes[written.length - 1]!.promise };
    },
    commitOne: async (d) => d,
    maxBatch: 10,
  });
  return { gc, written };
}

describe('group commit', () => {
  it('commits what arrives in one turn as one batch, and resolves each caller with its own result', async () => {
    const batches: number[][] = [];
    const gc = createGroupCommit<number, string>({
      commitBatch: async (drafts) => {
        batches.push([...drafts]);
        return durableAt(drafts.map((d) => `r${d}`));
      },
      commitOne: async (d) => `one${d}`,
      maxBatch: 100,
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((d) => gc.submit(d)));
    expect(results).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('batches what queues while a commit runs, in order, up to maxBatch', async () => {
    const batches: number[][] = [];
    const firstCommit = deferred();
    const gc = createGroupCommit<number, number>({
      commitBatch: async (drafts) => {
        if (batches.length === 0) await firstCommit.promise;
        batches.push([...drafts]);
        return durableAt(drafts);
      },
      commitOne: async (d) => d,
      maxBatch: 3,
    });
    const first = gc.submit(0);
    await turn(); // the first flush is now running
    const later = [1, 2, 3, 4, 5].map((d) => gc.submit(d));
    firstCommit.resolve();
    expect(await Promise.all([first, ...later])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('writes the next batch while the one before is still being made durable, and answers callers in order once each is durable', async () => {
    const flushes = [deferred(), deferred()];
    const { gc, written } = flushedBy(flushes);
    const answered: number[] = [];
    const track = (p: Promise<number>) => p.then((r) => void answered.push(r));
    const first = track(gc.submit(1));
    await turn();
    const second = track(gc.submit(2));
    await turn();
    await turn();
    // Batch 2 is written though batch 1's flush has not finished; nobody is answered yet.
    expect(written).toEqual([[1], [2]]);
    expect(answered).toEqual([]);
    // Batch 2 durable first: still answered after batch 1.
    flushes[1]!.resolve();
    await turn();
    expect(answered).toEqual([]);
    flushes[0]!.resolve();
    await Promise.all([first, second]);
    expect(answered).toEqual([1, 2]);
  });

  it('holds a third batch until the first is durable: one flush waits while the next batch is written', async () => {
    const flushes = [deferred(), deferred(), deferred()];
    const { gc, written } = flushedBy(flushes);
    const all = [gc.submit(1)];
    await turn();
    all.push(gc.submit(2));
    await turn();
    await turn();
    all.push(gc.submit(3));
    await turn();
    await turn();
    expect(written).toEqual([[1], [2]]);
    flushes[0]!.resolve();
    await all[0];
    await turn();
    await turn();
    expect(written).toEqual([[1], [2], [3]]);
    flushes[1]!.resolve();
    flushes[2]!.resolve();
    expect(await Promise.all(all)).toEqual([1, 2, 3]);
  });

  it('rejects the callers of a batch whose flush failed, and answers the next batch once it is durable', async () => {
    const flushes = [deferred(), deferred()];
    let n = 0;
    const gc = createGroupCommit<number, number>({
      commitBatch: async (drafts) => ({ results: drafts, durable: flushes[n++]!.promise }),
      commitOne: async (d) => d,
      maxBatch: 10,
    });
    const first = gc.submit(1);
    await turn();
    const second = gc.submit(2);
    await turn();
    flushes[0]!.reject(new Error('EIO'));
    flushes[1]!.resolve();
    await expect(first).rejects.toThrow('EIO');
    expect(await second).toBe(2);
  });

  it('retries a failed batch one by one, so only the bad draft fails', async () => {
    const gc = createGroupCommit<number, number>({
      commitBatch: async () => {
        throw new Error('constraint');
      },
      commitOne: async (d) => {
        if (d === 2) throw new Error('bad draft');
        return d * 10;
      },
      maxBatch: 10,
    });
    const results = await Promise.allSettled([1, 2, 3].map((d) => gc.submit(d)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: 10 });
  });

  it('drains: resolves once everything submitted has been answered', async () => {
    const flush = deferred();
    const gc = createGroupCommit<number, number>({
      commitBatch: async (drafts) => ({ results: drafts, durable: flush.promise }),
      commitOne: async (d) => d,
      maxBatch: 10,
    });
    let answered = 0;
    void gc.submit(1).then(() => answered++);
    void gc.submit(2).then(() => answered++);
    let drained = false;
    const draining = gc.drain().then(() => (drained = true));
    await turn();
    await turn();
    expect(drained).toBe(false);
    flush.resolve();
    await draining;
    expect(answered).toBe(2);
  });

  it('reports each durable batch with its size and the seconds it took, and no batch that failed', async () => {
    const reported: [number, number][] = [];
    let fail = false;
    const gc = createGroupCommit<number, number>({
      commitBatch: async (drafts) => {
        if (fail) throw new Error('rolled back');
        return durableAt(drafts);
      },
      commitOne: async (d) => d,
      maxBatch: 100,
      onCommit: (size, seconds) => void reported.push([size, seconds]),
    });
    await Promise.all([1, 2, 3].map((d) => gc.submit(d)));
    expect(reported).toHaveLength(1);
    expect(reported[0]![0]).toBe(3);
    expect(reported[0]![1]).toBeGreaterThanOrEqual(0);
    expect(reported[0]![1]).toBeLessThan(5);
    fail = true;
    await gc.submit(4);
    expect(reported).toHaveLength(1);
  });
});
