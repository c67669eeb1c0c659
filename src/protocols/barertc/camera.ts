import type { UserId } from '../../core/model/ids.js';
import type { OnlineSession, SessionState } from '../../core/model/relation.js';
import type { RosterRelation } from './roster.js';
import { Video, type WhoEntry } from './wire.js';

/**
 * Who may watch a camera (reference/barertc.md §4.3 boot/unboot/video-invite, §4.6, `open`).
 *
 * BareRTC keeps a session's boots and invites in memory for that session. Parley's roster is shared
 * by every node, so the lists travel with the session's published state (core.presence.setState):
 * under private keys next to the who-list entry, read back by every node's roster and `open` check,
 * and stripped from every who entry sent to a client (`whoEntryOf`). `unblockable` (`/unmute-all`)
 * travels the same way.
 */

/** The private keys of a published BareRTC session state; never part of a who entry. */
const PRIVATE_KEYS = ['booted', 'invited', 'unblockable'] as const;

/** Most names a session may boot or invite: a client cannot bloat the shared registry. */
export const MAX_CAMERA_NAMES = 1000;
/** Longest name kept in those lists (a longer one cannot be a user anyway). */
const MAX_NAME_LENGTH = 256;

/** One session's camera lists: names, as BareRTC keeps them. */
export interface CameraLists {
  readonly booted: Set<string>;
  readonly invited: Set<string>;
}

/** What a published state says beyond the who entry. */
export interface CameraAccess {
  readonly booted: ReadonlySet<string>;
  readonly invited: ReadonlySet<string>;
  readonly unblockable: boolean;
}

export const emptyCameraLists = (): CameraLists => ({ booted: new Set(), invited: new Set() });

/** The state a session publishes: its who entry plus the private keys (only those in use). */
export function publishedState(entry: WhoEntry, lists: CameraLists, unblockable: boolean): Record<string, unknown> {
  return {
    ...entry,
    ...(lists.booted.size > 0 ? { booted: [...lists.booted] } : {}),
    ...(lists.invited.size > 0 ? { invited: [...lists.invited] } : {}),
    ...(unblockable ? { unblockable: true } : {}),
  };
}

/** The who entry a published state holds, without the private keys; null when it is none. */
export function whoEntryOf(state: SessionState | null | undefined): WhoEntry | null {
  if (!state || typeof state['username'] !== 'string') return null;
  if (!PRIVATE_KEYS.some((k) => k in state)) return state as unknown as WhoEntry;
  const entry: Record<string, unknown> = { ...state };
  for (const k of PRIVATE_KEYS) delete entry[k];
  return entry as unknown as WhoEntry;
}

const names = (v: unknown): ReadonlySet<string> => new Set(Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : []);

/** The camera lists and unblockable mark a session published. */
export function cameraAccessOf(state: SessionState | null | undefined): CameraAccess {
  return { booted: names(state?.['booted']), invited: names(state?.['invited']), unblockable: state?.['unblockable'] === true };
}

/**
 * §4.3 boot/unboot/video-invite applied to a session's lists. Returns the names that were newly
 * booted (an operator among them is told), or null when nothing changed.
 */
export function applyCameraAction(lists: CameraLists, action: string, frame: { readonly username?: unknown; readonly usernames?: unknown }): string[] | null {
  const ok = (n: unknown): n is string => typeof n === 'string' && n !== '' && n.length <= MAX_NAME_LENGTH;
  if (action === 'video-invite') {
    const wanted = Array.isArray(frame.usernames) ? frame.usernames.filter(ok) : [];
    let changed = false;
    for (const n of wanted) {
      if (lists.invited.has(n) || lists.invited.size >= MAX_CAMERA_NAMES) continue;
      lists.invited.add(n);
      changed = true;
    }
    return changed ? [] : null;
  }
  const name = frame.username;
  if (!ok(name)) return null;
  if (action === 'unboot') return lists.booted.delete(name) ? [] : null;
  // Booting again changes nothing but tells a booted operator again, as BareRTC does.
  if (!lists.booted.has(name)) {
    if (lists.booted.size >= MAX_CAMERA_NAMES) return null;
    lists.booted.add(name);
  }
  return [name];
}

/** The boot and invite relations among the listed sessions (names of users not listed are skipped). */
export function cameraRelations(sessions: Iterable<{ readonly userId: UserId; readonly state?: SessionState | null }>, byName: ReadonlyMap<string, OnlineSession>): RosterRelation[] {
  const out: RosterRelation[] = [];
  for (const s of sessions) {
    // Most sessions booted and invited nobody: no lists to read.
    if (!s.state || (s.state['booted'] === undefined && s.state['invited'] === undefined)) continue;
    const access = cameraAccessOf(s.state);
    for (const [set, kind] of [[access.booted, 'boot'], [access.invited, 'invite']] as const) {
      for (const name of set) {
        const target = byName.get(name);
        if (target && target.userId !== s.userId) out.push({ ownerId: s.userId, targetId: target.userId, kind });
      }
    }
  }
  return out;
}

/** What the `open` checks need to know about the broadcaster and the caller. */
export interface OpenCheck {
  /** The broadcaster's name and who entry, and their lists. */
  readonly name: string;
  readonly target: WhoEntry;
  readonly access: CameraAccess;
  readonly viewer: { readonly username: string; readonly video: number; readonly op: boolean; readonly vip: boolean };
  /** The broadcaster mutes the caller. */
  readonly mutes: boolean;
  /** A block between the two, either way. */
  readonly blocks: boolean;
  /** Settings BlockableAdmins: otherwise a block never holds against an operator broadcaster. */
  readonly blockableAdmins: boolean;
}

/** Why `open` is refused (after "Could not open that video: "), or null (§4.6, in BareRTC's order). */
export function openRefusal(c: OpenCheck): string | null {
  if ((c.target.video & Video.Active) === 0) return 'Their video is not currently enabled.';
  const invited = c.access.invited.has(c.viewer.username);
  if (!invited && (c.target.video & Video.MutualRequired) !== 0 && (c.viewer.video & Video.Active) === 0) return `${c.name} has requested that you should share your own camera too before opening theirs.`;
  if (!invited && (c.target.video & Video.OnlyVIP) !== 0 && !c.viewer.vip && !c.viewer.op) return 'You do not have permission to view that camera.';
  // A block does not hold against an operator unless BlockableAdmins, nor then after their /unmute-all.
  const blocks = c.blocks && !(c.target.op && (!c.blockableAdmins || c.access.unblockable));
  if (!c.viewer.op && (c.mutes || blocks || c.access.booted.has(c.viewer.username))) return 'You do not have permission to view that camera.';
  return null;
}

/** What an operator opening a camera that booted or muted them is told (a boot is named first). */
export function watchNote(c: OpenCheck): string | null {
  if (!c.viewer.op) return null;
  if (c.access.booted.has(c.viewer.username)) return `Note: ${c.name} had booted you off their camera before, and won't be notified of your watch.`;
  if (c.mutes) return `Note: ${c.name} had muted you before, and won't be notified of your watch.`;
  return null;
}

/** What an operator who was booted is told (§4.3 boot). */
export const bootedNotice = (by: string): string => `${by} has booted you off of their camera!`;
