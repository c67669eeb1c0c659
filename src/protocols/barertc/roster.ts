import type { DomainEvent, RosterNotice } from '../../core/events.js';
import type { UserId } from '../../core/model/ids.js';
import type { OnlineSession } from '../../core/model/relation.js';
import type { Logger } from '../../logger.js';
import { PRESENCE_TEXT, Video, chatServer, frame, type WhoEntry } from './wire.js';

/** One relation between two users on the roster, as the who-list rules read it (§4.6). */
export interface RosterRelation {
  readonly ownerId: UserId;
  readonly targetId: UserId;
  readonly kind: 'mute' | 'block' | 'boot' | 'invite';
}

/** A session on this node that sees the roster: who it is, and where its frames go. */
export interface RosterMember {
  readonly userId: UserId;
  readonly username: string;
  /** The roster session id (core presence) of this connection. */
  readonly sessionId: string;
  /** Operators see hidden flags differently and are never hidden from (§4.6). */
  isOperator(): boolean;
  isVip(): boolean;
  send(text: string, options?: { readonly ephemeral?: boolean }): void;
  /** End this session (take-over, kick, ban, admin disconnect): tell it `message`, then `disconnect`. */
  signOut(message?: string): void;
}

/** What the roster reads: the shared session registry and the relations between its users. */
export interface RosterSource {
  sessions(): Promise<readonly OnlineSession[]>;
  relationsAmong(userIds: readonly UserId[]): Promise<readonly RosterRelation[]>;
}

export interface RosterOptions {
  readonly source: RosterSource;
  readonly logger: Logger;
  /** No presence frames this long after start (BareRTC's restart dampening, §4.1). */
  readonly presenceWarmupMs: number;
  /** No who lists this long after start; one goes out when it ends. */
  readonly whoWarmupMs: number;
  /** Operators can be blocked (settings BlockableAdmins). */
  readonly blockableAdmins: boolean;
  /** The `vip` badge is shown only to VIPs ([VIP] MutuallySecret). */
  readonly vipMutuallySecret: boolean;
  /** Shortest time between two rebuilds of the who lists on this node: a join storm is coalesced. */
  readonly minRebuildIntervalMs?: number;
  /**
   * More time between two rebuilds per user listed (default 1 ms): every recipient gets the whole
   * list, so a rebuild costs (users × list size); at 1,000 users lists go out about once a second
   * instead of ten times, and no recipient is sent more than ~one entry's bytes per ms of who lists.
   */
  readonly rebuildMsPerListedUser?: number;
  readonly now?: () => number;
}

/**
 * This node's view of BareRTC's roster: the local sessions that see it, the who list each of them
 * gets, and presence lines. The roster itself is shared (every session's public state is in the
 * core's registry); each node rebuilds its recipients' who lists from it whenever the core
 * announces roster.changed, at most once per interval however many changes arrive, so a storm of
 * logins costs a few rebuilds rather than one per login per recipient.
 */
export interface Roster {
  add(member: RosterMember): void;
  remove(member: RosterMember): void;
  /** The who list one member sees now, built from the shared registry (the login sequence's own `who`). */
  whoFor(member: RosterMember): Promise<readonly WhoEntry[]>;
  /** The usernames on the roster now (for guest-name suffixes and take-over). */
  onlineNames(): Promise<Map<string, OnlineSession>>;
  /** Ask for a rebuild (local state changed that the shared registry does not show, e.g. relations). */
  refresh(): void;
  onEvent(event: DomainEvent): void;
  stop(): void;
}

/** The who-list entry a session published (its public state in the registry). */
export const entryOf = (s: OnlineSession): WhoEntry | null => {
  const st = s.state as Partial<WhoEntry> | null | undefined;
  return st && typeof st.username === 'string' ? (st as WhoEntry) : null;
};

/** Per-recipient rules over the shared entries (§4.6). */
interface RelationIndex {
  has(owner: UserId, target: UserId, kind: RosterRelation['kind']): boolean;
  /** Users that take part in any relation: everyone else sees the common list. */
  involved: ReadonlySet<UserId>;
}

function indexRelations(relations: readonly RosterRelation[]): RelationIndex {
  const keys = new Set<string>();
  const involved = new Set<UserId>();
  for (const r of relations) {
    keys.add(`${r.ownerId}:${r.targetId}:${r.kind}`);
    involved.add(r.ownerId);
    involved.add(r.targetId);
  }
  return { has: (o, t, k) => keys.has(`${o}:${t}:${k}`), involved };
}

interface Listed {
  readonly userId: UserId;
  readonly entry: WhoEntry;
}

/** Who lists written between two yields to the event loop during a rebuild. */
const SEND_SLICE = 64;

export function createRoster(options: RosterOptions): Roster {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const minInterval = options.minRebuildIntervalMs ?? 100;
  const msPerListed = options.rebuildMsPerListedUser ?? 1;
  /** Users on the last rebuild's list (scales the interval to the next one). */
  let lastListed = 0;
  const members = new Set<RosterMember>();
  let running: Promise<void> | null = null;
  let pending = false;
  let lastRun = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  // The single who list that goes out when the warm-up ends.
  const whoWarmupLeft = options.whoWarmupMs - (now() - startedAt);
  const warmupTimer = whoWarmupLeft > 0 ? setTimeout(() => schedule(), whoWarmupLeft + 1) : null;
  warmupTimer?.unref();

  async function snapshot(): Promise<{ listed: Listed[]; relations: RelationIndex; names: Map<string, OnlineSession> }> {
    const sessions = await options.source.sessions();
    // One entry per username: the newest session holds the name (a take-over is in flight otherwise).
    const byName = new Map<string, OnlineSession>();
    for (const s of sessions) {
      const entry = entryOf(s);
      if (entry) byName.set(entry.username, s);
    }
    const listed = [...byName.values()].map((s) => ({ userId: s.userId, entry: entryOf(s)! })).sort((a, b) => (a.entry.username < b.entry.username ? -1 : a.entry.username > b.entry.username ? 1 : 0));
    const relations = indexRelations(listed.length > 1 ? await options.source.relationsAmong(listed.map((l) => l.userId)) : []);
    return { listed, relations, names: byName };
  }

  /** The who list `viewer` sees (§4.6): blocks hide both ways, boots and mutes darken cameras, invites mark them. */
  function whoList(viewer: { userId: UserId; op: boolean; vip: boolean }, listed: readonly Listed[], rel: RelationIndex): WhoEntry[] {
    const out: WhoEntry[] = [];
    for (const { userId, entry } of listed) {
      if (entry.status === 'hidden' && userId !== viewer.userId) continue;
      if (userId !== viewer.userId) {
        const blocked = rel.has(viewer.userId, userId, 'block') || rel.has(userId, viewer.userId, 'block');
        // An operator cannot be blocked unless BlockableAdmins.
        if (blocked && !(entry.op && !options.blockableAdmins) && !(viewer.op && !options.blockableAdmins)) continue;
      }
      let video = entry.video;
      if (userId !== viewer.userId && video !== 0) {
        const shutOut = rel.has(userId, viewer.userId, 'boot') || rel.has(userId, viewer.userId, 'mute');
        if (shutOut) video = viewer.op ? video ^ Video.MutualOpen : 0;
        if (rel.has(userId, viewer.userId, 'invite')) video |= Video.Invited;
        if ((video & Video.OnlyVIP) !== 0 && !viewer.vip && !rel.has(userId, viewer.userId, 'invite')) video = 0;
      }
      const showVip = entry.vip === true && (!options.vipMutuallySecret || viewer.vip);
      const { vip: _vip, ...rest } = entry;
      out.push({ ...rest, video, ...(showVip ? { vip: true } : {}) });
    }
    return out;
  }

  async function rebuild(): Promise<void> {
    if (members.size === 0 || now() - startedAt < options.whoWarmupMs) return;
    const { listed, relations } = await snapshot();
    lastListed = listed.length;
    const hidden = new Set(listed.filter((l) => l.entry.status === 'hidden').map((l) => l.userId));
    // Members nobody relates to, with the same operator and VIP standing, see the same list: build and stringify it once.
    const shared = new Map<string, string>();
    let written = 0;
    for (const m of [...members]) {
      // Large lists to many members take a while to write: let chat lines and logins through now and then.
      if (++written % SEND_SLICE === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (stopped) return;
      }
      if (!members.has(m)) continue;
      const viewer = { userId: m.userId, op: m.isOperator(), vip: m.isVip() };
      if (relations.involved.has(m.userId) || viewer.op || hidden.has(m.userId)) {
        m.send(frame({ action: 'who', whoList: whoList(viewer, listed, relations) }));
        continue;
      }
      // The list does not depend on who the viewer is beyond their standing, except that a
      // viewer always sees themselves: their own entry is among `listed` for everyone anyway.
      const key = viewer.vip ? 'vip' : 'plain';
      let text = shared.get(key);
      if (text === undefined) {
        text = frame({ action: 'who', whoList: whoList({ ...viewer, userId: -1 as UserId }, listed, relations) });
        shared.set(key, text);
      }
      m.send(text);
    }
  }

  function schedule(): void {
    if (stopped) return;
    pending = true;
    if (running || timer) return;
    const wait = Math.max(0, lastRun + Math.max(minInterval, lastListed * msPerListed) - now());
    const run = () => {
      timer = null;
      if (!pending || stopped) return;
      pending = false;
      lastRun = now();
      running = rebuild()
        .catch((err: unknown) => options.logger.warn({ err }, 'barertc who rebuild failed'))
        .finally(() => {
          running = null;
          if (pending) schedule();
        });
    };
    if (wait === 0) run();
    else {
      timer = setTimeout(run, wait);
      timer.unref();
    }
  }

  /** Presence line to everyone on this node first (the ended user included, as BareRTC does), then the endings. */
  function notify(notice: RosterNotice): void {
    if (notice.kind !== null && now() - startedAt >= options.presenceWarmupMs) {
      const text = frame({ action: 'presence', username: notice.username, message: PRESENCE_TEXT[notice.kind] });
      for (const m of members) m.send(text, { ephemeral: true });
    }
    const end = notice.end;
    if (!end) return;
    for (const m of [...members]) {
      if (end.sessionId === undefined ? m.username === notice.username : m.sessionId === end.sessionId) m.signOut(end.message);
    }
  }

  return {
    add: (m) => void members.add(m),
    remove: (m) => void members.delete(m),
    async whoFor(member) {
      const { listed, relations } = await snapshot();
      return whoList({ userId: member.userId, op: member.isOperator(), vip: member.isVip() }, listed, relations);
    },
    async onlineNames() {
      return (await snapshot()).names;
    },
    refresh: schedule,
    onEvent(event) {
      // A mute or block set on any node changes who lists on every node (§4.6).
      if (event.type === 'relation.changed') return schedule();
      if (event.type !== 'roster.changed' || (event.protocol !== null && event.protocol !== 'barertc')) return;
      if (event.notice) notify(event.notice);
      schedule();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (warmupTimer) clearTimeout(warmupTimer);
    },
  };
}

/** A notice for one user (the welcome messages and kicks use it too). */
export const noticeFrame = (text: string, channel?: string): string => frame(chatServer(text, channel));
