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
 * `maxBatch`. Batches are written one at a time, in submission order, so ids assigned in batch
 * order increase in call order. A batch whose commit is written but not yet durable (its flush
 * to the disk in flight) does not hold the next one back: the next batch is written meanwhile,
 * and callers are answered in order, each once its own batch is durable. So a slow flush costs
 * the messages behind it one flush, not two.
 */
export interface GroupCommitOptions<D, R> {
  /**
   * Commit a whole batch in one transaction; resolves once it is committed, with one result per
   * draft, in order, and a promise that settles once the commit is durable.
   */
  readonly commitBatch: (drafts: readonly D[]) => Promise<{ readonly results: readonly R[]; readonly durable: Promise<void> }>;
  /**
   * Commit one draft in its own transaction, resolving once it is durable. Used after
   * `commitBatch` fails, so one bad draft fails only its own caller.
   */
  readonly commitOne: (draft: D) => Promise<R>;
  /** Largest batch handed to `commitBatch`. */
  readonly maxBatch: number;
  /** Told of every batch once durable (for /metrics); see {@link CommitObserver}. */
  readonly onCommit?: CommitObserver;
}

/**
 * Told, once a batch is durable, how many drafts it held and how long it took from the start of
 * its transaction until it was durable, in seconds. Batches retried one by one are not reported.
 */
export type CommitObserver = (batchSize: number, seconds: number) => void;

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
  // Set while the flush loop waits with nothing queued: a submission wakes it.
  let wake: (() => void) | null = null;

  /**
   * Write `batch`; resolves once it is written (or settled, when it had to be retried one by one)
   * with `answered`, which settles once its callers are answered: after `before` (the batch
   * ahead) and its own flush. (Wrapped: a promise resolved with a promise would wait for it.)
   */
  async function write(batch: readonly Pending<D, R>[], before: Promise<void>): Promise<{ answered: Promise<void> }> {
    let written: { readonly results: readonly R[]; readonly durable: Promise<void> };
    const started = performance.now();
    try {
      written = await options.commitBatch(batch.map((p) => p.draft));
    } catch {
      // The batch rolled back as a whole. Retry drafts one by one, in order, so ids still
      // increase in call order and only the faulty drafts reject.
      await before;
      for (const p of batch) {
        try {
          p.resolve(await options.commitOne(p.draft));
        } catch (error) {
          p.reject(error);
        }
      }
      return { answered: before };
    }
    // Timed when the batch itself is durable, not when the batch ahead lets it answer.
    let took = 0;
    const durable = written.durable.then(() => void (took = (performance.now() - started) / 1000));
    const answered = (async () => {
      await before;
      try {
        await durable;
      } catch (error) {
        // Committed but perhaps not on the disk: nobody is told it is stored.
        for (const p of batch) p.reject(error);
        return;
      }
      options.onCommit?.(batch.length, took);
      batch.forEach((p, i) => p.resolve(written.results[i] as R));
    })();
    return { answered };
  }

  async function run(done: () => void): Promise<void> {
    // Settles once every batch written so far has answered its callers; never rejects.
    let answered: Promise<void> = Promise.resolve();
    for (;;) {
      if (queue.length > 0) {
        const batch = await write(queue.splice(0, options.maxBatch), answered);
        // At most one batch waits for its flush while the next one is written.
        await answered;
        answered = batch.answered;
        continue;
      }
      // Nothing queued: wait until the last batch has answered, or a new draft comes first.
      const arrival = new Promise<false>((resolve) => (wake = () => resolve(false)));
      const settled = await Promise.race([answered.then(() => true as const), arrival]);
      wake = null;
      if (settled && queue.length === 0) break;
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
        wake?.();
        if (idle === null) {
          // write() settles callers instead of rejecting, so run() never rejects.
          idle = new Promise<void>((done) => setImmediate(() => void run(done)));
        }
      });
    },
    async drain() {
      while (idle !== null) await idle;
    },
  };
}
