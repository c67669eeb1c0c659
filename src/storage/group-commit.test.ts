import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.js';

describe('group commit', () => {
  it('commits what arrives in one turn as one batch, and resolves each caller with its own result', async () => {
    const batches: number[][] = [];
    const gc = createGroupCommit<number, string>({
      commitBatch: async (drafts) => {
        batches.push([...drafts]);
        return drafts.map((d) => `r${d}`);
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
    let release!: () => void;
    const firstCommit = new Promise<void>((r) => (release = r));
    const gc = createGroupCommit<number, number>({
      commitBatch: async (drafts) => {
        if (batches.length === 0) await firstCommit;
        batches.push([...drafts]);
        return drafts;
      },
      commitOne: async (d) => d,
      maxBatch: 3,
    });
    const first = gc.submit(0);
    await new Promise((r) => setImmediate(r)); // the first flush is now running
    const later = [1, 2, 3, 4, 5].map((d) => gc.submit(d));
    release();
    expect(await Promise.all([first, ...later])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5]]);
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

  it('drains: resolves once everything submitted has settled', async () => {
    let committed = 0;
    const gc = createGroupCommit<number, number>({
      commitBatch: async (drafts) => {
        committed += drafts.length;
        return drafts;
      },
      commitOne: async (d) => d,
      maxBatch: 10,
    });
    void gc.submit(1);
    void gc.submit(2);
    await gc.drain();
    expect(committed).toBe(2);
  });
});
