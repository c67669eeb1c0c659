/** Time source, injected so tests can control it. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
