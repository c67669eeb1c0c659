/**
 * Group commit: many small writes share one transaction.
 *
 * Why: every commit costs a durable flush (fsync on SQLite with synchronous=FULL, a WAL flush on
 * PostgreSQL), and SQLite runs all statements on one connection. Committing each chat message on
 * its own caps throughput at a few hundred messages per second; batching raises it by orders of
 * magnitude while each caller still waits for its own row to be committed.
 *
 * How: the first submission schedules a flush with `setImmediate`, so at low load a write waits
 * only for the current event-loop turn. While a flush runs, new submissions queue up and are
 * flushed together as soon as it finishes, so batches grow with load (adaptive batching) up to
 * `maxBatch`. Batches run one at a time, in submission order, so ids assigned in batch order
 * increase in call order.
 */
export interface GroupCommitOptions<D, R> {
  /** Commit a whole batch in one transaction; resolves to one result per draft, in order. */
  readonly commitBatch: (drafts: readonly D[]) => Promise<readonly R[]>;
  /**
   * Commit one draft in its own transaction. Used after `commitBatch` fails, so one bad draft
   * fails only its own caller.
   */
  readonly commitOne: (draft: D) => Promise<R>;
  /** Largest batch handed to `commitBatch`. */
  readonly maxBatch: number;
}

/** A running group-commit queue (see {@link createGroupCommit}). */
export interface GroupCommit<D, R> {
  /** Queue a draft; resolves after the transaction holding it has committed. */
  submit(draft: D): Promise<R>;
  /** Resolves once everything submitted so far has been committed or has failed. */
  drain(): Promise<void>;
}

interface Pending<D, R> {
  readonly draft: D;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/** Create a group-commit queue. It holds no timers while idle, so it needs no disposal. */
export function createGroupCommit<D, R>(options: GroupCommitOptions<D, R>): GroupCommit<D, R> {
  const queue: Pending<D, R>[] = [];
  // Set from the moment a flush is scheduled until the queue is empty again.
  let idle: Promise<void> | null = null;

  async function commit(batch: readonly Pending<D, R>[]): Promise<void> {
    let results: readonly R[];
    try {
      results = await options.commitBatch(batch.map((p) => p.draft));
    } catch {
      // The batch rolled back as a whole. Retry drafts one by one, in order, so ids still
      // increase in call order and only the faulty drafts reject.
      for (const p of batch) {
        try {
          p.resolve(await options.commitOne(p.draft));
        } catch (error) {
          p.reject(error);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as R));
  }

  async function run(done: () => void): Promise<void> {
    while (queue.length > 0) {
      await commit(queue.splice(0, options.maxBatch));
    }
    // Same synchronous step as the final empty-queue check: a submit() landing in between would
    // otherwise see a flush "in progress" that is already over, and wait forever.
    idle = null;
    done();
  }

  return {
    submit(draft) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ draft, resolve, reject });
        if (idle === null) {
          // commit() settles callers instead of rejecting, so run() never rejects.
          idle = new Promise<void>((done) => setImmediate(() => void run(done)));
        }
      });
    },
    async drain() {
      while (idle !== null) await idle;
    },
  };
}
