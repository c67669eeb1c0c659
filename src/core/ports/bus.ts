import type { DomainEvent } from '../events.js';

/**
 * Called for events published on any node, this one included (never twice for one event).
 * Must not throw or return a rejected promise: handlers are synchronous; errors are reported
 * through the bus's onError and do not stop other handlers.
 */
export type EventHandler = (event: DomainEvent) => void;

/**
 * Cross-node pub/sub. Delivery is at-most-once and in publish order per publishing node.
 * A node delivers its own events to its local handlers directly and ignores their echoes.
 */
export interface Bus {
  /** This node's id, carried in every envelope. */
  readonly nodeId: string;
  /**
   * Deliver locally and send to every other node. Never waits on nor rejects for the transport
   * (its failures go to the bus's onError: the event is then lost for other nodes); rejects
   * ChatError UNAVAILABLE only after close(). Node ids must differ, or nodes drop each other's
   * events as echoes.
   */
  publish(event: DomainEvent): Promise<void>;
  /** Register a handler; returns the function that unregisters it. */
  subscribe(handler: EventHandler): () => void;
  /** Stop delivering and release connections. Idempotent. */
  close(): Promise<void>;
}
