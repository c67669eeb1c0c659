import { randomUUID } from 'node:crypto';
import type { Bus } from '../core/ports/bus.js';
import { ChatError } from '../core/errors.js';
import type { BusMeter } from './bus-meter.js';
import { createLocalDelivery, type BusErrorReporter } from './local-delivery.js';

/** Options for {@link createLocalBus}. */
export interface LocalBusOptions {
  /** This node's id; a random UUID by default. */
  readonly nodeId?: string;
  /** Receives whatever a handler throws; delivery to the other handlers continues. */
  readonly onError?: BusErrorReporter;
  /** Counts publishes (for /metrics); nothing arrives from other nodes on this bus. */
  readonly meter?: BusMeter;
}

/**
 * The single-node bus: delivers every published event to this process's handlers, in publish
 * order, from a microtask (never inside `publish`). Nothing leaves the process.
 */
export function createLocalBus(options: LocalBusOptions = {}): Bus {
  const delivery = createLocalDelivery(options.onError);
  let closed = false;
  return {
    nodeId: options.nodeId ?? randomUUID(),
    publish(event) {
      if (closed) return Promise.reject(new ChatError('UNAVAILABLE', 'The bus is closed'));
      delivery.deliver(event);
      options.meter?.published();
      return Promise.resolve();
    },
    subscribe: (handler) => delivery.subscribe(handler),
    close() {
      closed = true;
      delivery.close();
      return Promise.resolve();
    },
  };
}
