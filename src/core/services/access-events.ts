import type { AccessEvent } from '../events.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

/**
 * How far back each poll looks again: on PostgreSQL a row can commit after a later-numbered one,
 * and nodes' clocks differ a little. Rows seen before are not returned twice.
 */
export const POLL_OVERLAP_MS = 10_000;
/** Rows older than this are pruned: every live node has polled them long before. */
export const ACCESS_EVENT_RETENTION_MS = 3600_000;
const POLL_PAGE = 500;

/** Account and ban changes, told to every node by the bus and by the database. */
export interface AccessEvents {
  /**
   * Record the event in the database, then publish it on the bus. The bus reaches every node at
   * once; the database reaches those the bus cannot (a CLI process on SQLite has no bus to the
   * server), through their poll.
   */
  announce(event: AccessEvent): Promise<void>;
  /** Events recorded since the previous poll that this node has not seen yet; the first poll starts at creation. */
  poll(): Promise<AccessEvent[]>;
}

/** The access-event feed over the store's table and the bus. */
export function createAccessEvents(deps: { store: Store; bus: Bus; clock: Clock }): AccessEvents {
  const { store, bus, clock } = deps;
  let cursor = clock.now();
  /** seq → at of rows inside the overlap window, so a row is applied once per node. */
  const seen = new Map<number, number>();
  let polls = 0;
  return {
    async announce(event) {
      await store.accessEvents.append(event, clock.now());
      await bus.publish(event);
    },
    async poll() {
      const from = cursor - POLL_OVERLAP_MS;
      cursor = clock.now();
      const fresh: AccessEvent[] = [];
      // Page by (at, seq) until a page comes back short, so a burst is read whole.
      for (let page = { at: from, seq: -1 }; ;) {
        const rows = await store.accessEvents.since(page, POLL_PAGE);
        for (const row of rows) {
          if (seen.has(row.seq)) continue;
          seen.set(row.seq, row.at);
          fresh.push(row.event);
        }
        const last = rows.at(-1);
        if (!last || rows.length < POLL_PAGE) break;
        page = { at: last.at, seq: last.seq };
      }
      for (const [seq, at] of seen) if (at < from) seen.delete(seq);
      if (++polls % 600 === 0) await store.accessEvents.prune(cursor - ACCESS_EVENT_RETENTION_MS);
      return fresh;
    },
  };
}
