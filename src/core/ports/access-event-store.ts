import type { AccessEvent } from '../events.js';

/** An access event as the database feed keeps it: with its position and time. */
export interface StoredAccessEvent {
  /** Increasing, but on PostgreSQL not necessarily committed in order: readers go by time. */
  readonly seq: number;
  /** Unix milliseconds. */
  readonly at: number;
  readonly event: AccessEvent;
}

/** The database feed of access events (migration 0012), read by every node's poll. */
export interface AccessEventStore {
  append(event: AccessEvent, at: number): Promise<void>;
  /**
   * Events after the cursor in (at, seq) order, at most `limit`: a page. `{ at, seq: -1 }` starts
   * with every event recorded at `at`; the last event of a page is the cursor of the next.
   */
  since(cursor: { readonly at: number; readonly seq: number }, limit: number): Promise<StoredAccessEvent[]>;
  /** Delete events recorded before `at`; resolves to how many. */
  prune(before: number): Promise<number>;
}
