import type { BarertcClaims } from './socket.js';
import type { WhoEntry } from './wire.js';

/**
 * Directed controls: instructions to one user's BareRTC sessions, wherever they are connected.
 *
 * An admin call (`/api/amend-jwt`) or an operator command (`/op`, `/deop`, `/nsfw`) made on one
 * node must change the state of a session that may live on another. It travels like a WebRTC
 * signal — `core.presence.signal('barertc', userId, payload)` reaches the user's sessions on every
 * node — but its payload is an object keyed by CONTROL_KEY, which socket.ts `framesFor` hands to
 * the session (`onControl`) instead of forwarding. No client can forge one: every other signal
 * payload is a frame the server built, and those all start with `{"action"`.
 */
export const CONTROL_KEY = 'parley:control';

/** `/api/amend-jwt` (§2.3): new claims for a JWT user; `jwt` is the token the website sent. */
export interface AmendJwtControl {
  readonly kind: 'amend-jwt';
  readonly jwt: string;
  readonly claims: BarertcClaims;
}

/** `/op`, `/deop` (§6.1): the user's operator standing for the rest of the session. */
export interface OpControl {
  readonly kind: 'op';
  readonly op: boolean;
}

/** `/nsfw` (§6.1): mark the camera explicit, tell the user `message`, then send `me`. */
export interface NsfwControl {
  readonly kind: 'nsfw';
  readonly message: string;
}

/** Every control a session understands. Add a member here (and a case in the session) for a new one. */
export type Control = AmendJwtControl | OpControl | NsfwControl;

const PREFIX = `{"${CONTROL_KEY}":`;

/** The signal payload that carries `control`. */
export const controlPayload = (control: Control): string => JSON.stringify({ [CONTROL_KEY]: control });

/** The control a signal payload carries, or null for an ordinary frame (one prefix test on the hot path). */
export function readControl(payload: string): Control | null {
  if (!payload.startsWith(PREFIX)) return null;
  try {
    const value = (JSON.parse(payload) as Record<string, unknown>)[CONTROL_KEY];
    return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' ? (value as Control) : null;
  } catch {
    return null;
  }
}

/**
 * A who-list entry with its claim-derived fields (nickname, op, vip, avatar, profile URL, emoji,
 * gender) taken from `claims`; status, camera, DND and login time are the session's own and stay.
 * The username never changes (§2.3 amend-jwt: only the flair takes effect).
 */
export function entryWithClaims(entry: WhoEntry, claims: BarertcClaims, op: boolean): WhoEntry {
  return {
    username: entry.username,
    ...(claims.nick ? { nickname: claims.nick } : {}),
    status: entry.status,
    video: entry.video,
    ...(entry.dnd === true ? { dnd: true } : {}),
    loginAt: entry.loginAt,
    op,
    ...(claims.vip === true ? { vip: true } : {}),
    ...(claims.img ? { avatar: claims.img } : {}),
    ...(claims.url ? { profileURL: claims.url } : {}),
    ...(claims.emoji ? { emoji: claims.emoji } : {}),
    ...(claims.gender ? { gender: claims.gender } : {}),
  };
}
