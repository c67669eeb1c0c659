/**
 * One event's bytes for one protocol: the text, and the WebSocket frame built from it the first
 * time a ws transport needs it, then shared by every ws recipient (DESIGN.md "frame once").
 */
export interface Outgoing {
  readonly text: string;
  /** Texts sent right after `text`, each its own frame: a batch written (and framed) as one. */
  readonly more?: readonly string[];
  /** The frame (or, with `more`, the frames back to back) once built: shared by every recipient. */
  frame: Buffer | null;
}

/** Every text a message holds, in order (its `text`, then its `more`). */
export const textsOf = (message: Outgoing): readonly string[] => (message.more ? [message.text, ...message.more] : [message.text]);

/** A fresh outgoing message for one recipient (replies, per-connection frames). */
export const outgoing = (text: string): Outgoing => ({ text, frame: null });

/**
 * The small seam between the hub and a way of reaching a client (STYLE.md §0.1, after
 * Centrifuge's Transport): a `ws` socket is one transport, a long-poll is another. The hub
 * never sees more than this.
 */
export interface Transport {
  /** Queue one message for the client; never throws, never waits. */
  write(message: Outgoing): void;
  /** End the transport; no code ends it without a status. Idempotent. */
  close(code?: number, reason?: string): void;
  /** Bytes written but not yet sent, for the slow-consumer rule. */
  readonly bufferedAmount: number;
  /** Frames written before this tick and not yet sent, for a route's maxQueuedFrames; absent: not counted. */
  readonly queuedFrames?: number;
  /** False once closing or closed: nothing more is written. */
  readonly isOpen: boolean;
}
