import { ChatError } from '../errors.js';

/** Runs at most `maxActive` tasks at once; up to `maxQueued` more wait their turn in arrival order. */
export interface UploadGate {
  /**
   * Run `task` once a slot is free. Rejects ChatError UNAVAILABLE at once, without running it,
   * when `maxQueued` tasks are already waiting; otherwise settles as `task` does.
   */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now (never more than `maxActive`). */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly queued: number;
}

/**
 * A counting semaphore with a bounded FIFO queue. Uploads hold their bytes in memory only inside
 * a slot, so `maxActive` bounds a node's upload memory; the queue bound keeps a flood from
 * piling up waiters without end (issue 8).
 */
export function createUploadGate(maxActive: number, maxQueued: number): UploadGate {
  if (!Number.isSafeInteger(maxActive) || maxActive < 1) throw new RangeError('maxActive must be a positive integer');
  let active = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
    if (next) next();
    else active--;
  };

  return {
    async run(task) {
      if (active < maxActive) active++;
      else if (waiting.length >= maxQueued) throw new ChatError('UNAVAILABLE', 'Too many uploads in progress; try again shortly');
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
  };
}
