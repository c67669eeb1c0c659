import type { DomainEvent } from '../events.js';

/** Called for every event published on any node, this one included (exactly once each). */
export type EventHandler = (event: DomainEvent) => void;

/**
 * Cross-node pub/sub. Delivery is at-most-once and in publish order per publishing node.
 * A node delivers its own events to its local handlers directly and ignores their echoes.
 */
export interface Bus {
  /** This node's id, carried in every envelope. */
  readonly nodeId: string;
  /** Deliver locally and send to every other node; resolves once handed to the transport. */
  publish(event: DomainEvent): Promise<void>;
  /** Register a handler; returns the function that unregisters it. */
  subscribe(handler: EventHandler): () => void;
  /** Stop delivering and release connections. Idempotent. */
  close(): Promise<void>;
}
