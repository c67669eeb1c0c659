import type { UserId } from '../model/ids.js';

/** One link a user sent into a direct-message thread (BareRTC's DM link-spam protection). */
export interface LinkSend {
  readonly userId: UserId;
  /** A digest of the normalised link (the link itself is not kept). */
  readonly linkHash: string;
  /** The thread it went into: the other party's username key. */
  readonly thread: string;
  readonly at: number;
}

/**
 * Who pasted which link into how many DM threads lately, shared by every node and kept across
 * restarts. Rows older than the caller's window are forgotten on write.
 */
export interface LinkSpamStore {
  /**
   * Record a send (a thread sent to again only moves its time), forget every send and warning
   * older than `since`, and resolve to the distinct threads the user sent this link into since
   * `since` and when the user was last warned for it since then (null: not warned).
   */
  record(send: LinkSend, since: number): Promise<{ threads: number; warnedAt: number | null }>;
  /** Remember that the user was warned (kicked) for this link at `at`. */
  warn(userId: UserId, linkHash: string, at: number): Promise<void>;
}
