import type { EventHandler } from '../core/ports/bus.js';
import type { DomainEvent } from '../core/events.js';

/** Reports a handler's failure without stopping delivery to the other handlers. */
export type BusErrorReporter = (error: unknown) => void;

/** The handler set and delivery queue shared by the local and Redis buses. */
export interface LocalDelivery {
  /** Add a handler; returns the function that removes it (calling it twice is harmless). */
  subscribe(handler: EventHandler): () => void;
  /**
   * Queue an event for every handler. Delivery runs from a microtask, never inside this call, so a
   * handler that publishes appends to the queue instead of recursing, and order is kept.
   */
  deliver(event: DomainEvent): void;
  /** Drop every handler and every queued event; later `deliver` calls are ignored. */
  close(): void;
}

/** Create the handler set and queue; `onError` receives whatever a handler throws. */
export function createLocalDelivery(onError?: BusErrorReporter): LocalDelivery {
  const handlers = new Set<EventHandler>();
  let queue: DomainEvent[] = [];
  let scheduled = false;
  let closed = false;

  const report = (e: unknown): void => {
    // A reporter that throws must not kill the drain loop (and with it all later delivery).
    try { onError?.(e); } catch { /* nowhere left to report to */ }
  };

  const drain = (): void => {
    // Events queued by handlers during this drain land in a fresh array and are delivered by the
    // next loop turn, after every handler has seen the current event: publish order for everyone.
    while (queue.length > 0 && !closed) {
      const batch = queue;
      queue = [];
      for (const event of batch) {
        // Iterating the live set means an unsubscribed handler gets nothing more, even if queued.
        for (const handler of handlers) {
          try {
            handler(event);
          } catch (e) {
            report(e);
          }
        }
      }
    }
    scheduled = false;
  };

  return {
    subscribe(handler) {
      // Wrap so the same function subscribed twice gets two independent subscriptions.
      const entry: EventHandler = (event) => handler(event);
      if (!closed) handlers.add(entry);
      return () => { handlers.delete(entry); };
    },
    deliver(event) {
      if (closed) return;
      queue.push(event);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(drain);
      }
    },
    close() {
      closed = true;
      handlers.clear();
      queue = [];
    },
  };
}
