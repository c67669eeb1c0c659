/**
 * BareRTC's wire shapes (reference/barertc.md §4.2–§4.4): one JSON envelope in both directions,
 * empty fields left out. Builders here return the objects the server sends; socket.ts and
 * roster.ts stringify them.
 */

/** One entry of a `who` list (§4.4), as one recipient sees it. */
export interface WhoEntry {
  readonly username: string;
  readonly nickname?: string;
  readonly status: string;
  readonly video: number;
  readonly dnd?: boolean;
  /** Unix seconds. */
  readonly loginAt: number;
  readonly op: boolean;
  readonly vip?: boolean;
  readonly avatar?: string;
  readonly profileURL?: string;
  readonly emoji?: string;
  readonly gender?: string;
}

/** The `video` bit flags shared by server and page (§4.6). */
export const Video = {
  Active: 1,
  NSFW: 2,
  Muted: 4,
  NonExplicit: 8,
  MutualRequired: 16,
  MutualOpen: 32,
  OnlyVIP: 64,
  Invited: 128,
  NoWatermark: 256,
} as const;

/** A message the client sends: every field optional and loosely typed until an action checks it. */
export interface ClientFrame {
  readonly action?: unknown;
  readonly channel?: unknown;
  readonly username?: unknown;
  readonly message?: unknown;
  readonly jwt?: unknown;
  readonly dnd?: unknown;
  readonly video?: unknown;
  readonly status?: unknown;
  readonly msgID?: unknown;
  readonly usernames?: unknown;
  readonly candidate?: unknown;
  readonly description?: unknown;
  readonly [key: string]: unknown;
}

/** The name system notices come from (§4.4 `error`). */
export const CHAT_SERVER = 'ChatServer';

/** A system notice: BareRTC sends every one as `error` from ChatServer, welcome messages with their channel. */
export const chatServer = (message: string, channel?: string) => ({ action: 'error', ...(channel === undefined ? {} : { channel }), username: CHAT_SERVER, message });

/** The presence lines of §4.4, by the core's roster notice kind. */
export const PRESENCE_TEXT = {
  joined: 'has joined the room!',
  left: 'has exited the room!',
  kicked: 'has been kicked from the room!',
  banned: 'has been banned!',
  timed_out: 'has timed out!',
} as const;

/** The last transientMessageId handed out (ids only grow, within the process). */
let lastTransientId = 0;

/**
 * A `msgID` for a line that is shown but never stored (an image, a DM that is refused or dropped,
 * a filtered line that is not forwarded): `Date.now() * 1000` plus a small random part, strictly
 * increasing, far above the store's ids (isTransientMessageId tells them apart) and below
 * 2^53 until the year 2255.
 */
export function transientMessageId(now: number = Date.now()): number {
  lastTransientId = Math.max(lastTransientId + 1, now * 1000 + Math.floor(Math.random() * 1000));
  return lastTransientId;
}

/** transientMessageId's ids are at least this (the year 2001 in milliseconds × 1000). */
const TRANSIENT_ID_FLOOR = 1_000_000_000_000_000;

/** Whether a `msgID` is a transientMessageId (never a stored message's). */
export const isTransientMessageId = (id: number): boolean => Number.isSafeInteger(id) && id >= TRANSIENT_ID_FLOOR;

/** Stringify once; frames are plain JSON text. */
export const frame = (value: unknown): string => JSON.stringify(value);
