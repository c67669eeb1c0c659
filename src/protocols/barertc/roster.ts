import type { DomainEvent, RosterDelta, RosterNotice } from '../../core/events.js';
import type { UserId } from '../../core/model/ids.js';
import type { OnlineSession } from '../../core/model/relation.js';
import type { Logger } from '../../logger.js';
import { cameraRelations, whoEntryOf } from './camera.js';
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
  /** Several frames in one write (a batch of presence lines, the same array for many members). */
  sendAll(texts: readonly string[], options?: { readonly ephemeral?: boolean }): void;
  /** Bytes sent to it and not taken yet: a member still reading an earlier who list is sent the newest one later. */
  backlog(): number;
  /** End this session (take-over, kick, ban, admin disconnect): tell it `message`, then `disconnect`. */
  signOut(message?: string): void;
}

/** What the roster reads: the shared session registry and the relations between its users. */
export interface RosterSource {
  sessions(): Promise<readonly OnlineSession[]>;
  relationsAmong(userIds: readonly UserId[]): Promise<readonly RosterRelation[]>;
  /** One user's mutes and blocks, either way, with anyone (a newcomer to the roster). */
  relationsOf(userId: UserId): Promise<readonly RosterRelation[]>;
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
   * More time between two rebuilds per user listed (default 4 ms): every recipient gets the whole
   * list, so a rebuild costs (users × list size); at 1,000 users lists go out every 4 s (at 25 users
   * every 100 ms), and no recipient is sent more than ~one entry's bytes per 4 ms of who lists.
   * Chat lines queue behind who lists on the same socket: at 1 ms per user a 1,000-login storm's
   * lobby p99 was 243–643 ms, at 4 ms 70 and 145 ms (bench/README.md).
   */
  readonly rebuildMsPerListedUser?: number;
  /** This node's copy of the roster is read from the registry again this often (default 60 s), in case a delta was lost. */
  readonly resyncIntervalMs?: number;
  /** Presence lines for other users are sent in batches this often (default 100 ms; 0 sends each at once). */
  readonly presenceBatchMs?: number;
  /** How long a login waits for its own session's delta before reading the registry (default 1 s). */
  readonly arrivalTimeoutMs?: number;
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

/** The who-list entry a session published (its public state in the registry), without its private keys (camera.ts). */
export const entryOf = (s: OnlineSession): WhoEntry | null => whoEntryOf(s.state);

/** Per-recipient rules over the shared entries (§4.6). */
interface RelationIndex {
  has(owner: UserId, target: UserId, kind: RosterRelation['kind']): boolean;
  /** Users that take part in any relation: everyone else sees the common list. */
  involved: ReadonlySet<UserId>;
  /** Users who ran `/unmute-all`: an operator among them stays visible to those who block them. */
  unblockable: ReadonlySet<UserId>;
}

function indexRelations(relations: readonly RosterRelation[], unblockable: ReadonlySet<UserId> = new Set()): RelationIndex {
  const keys = new Set<string>();
  const involved = new Set<UserId>();
  for (const r of relations) {
    keys.add(`${r.ownerId}:${r.targetId}:${r.kind}`);
    involved.add(r.ownerId);
    involved.add(r.targetId);
  }
  return { has: (o, t, k) => keys.has(`${o}:${t}:${k}`), involved, unblockable };
}

interface Snapshot {
  readonly listed: readonly Listed[];
  readonly relations: RelationIndex;
  readonly names: Map<string, OnlineSession>;
}

const hasSession = (snap: Snapshot, sessionId: string): boolean => [...snap.names.values()].some((s) => s.id === sessionId);

interface Listed {
  readonly userId: UserId;
  readonly entry: WhoEntry;
}

/**
 * A member with more than this still unread gets no new who list in a rebuild, but the newest one
 * at a later rebuild: who lists are latest-wins, and queueing each in full behind the last would
 * hold chat lines behind megabytes of lists a slow or busy client has not read yet.
 */
const WHO_BACKLOG_LIMIT = 64 * 1024;

/**
 * A rebuild writes at most this many bytes of who lists, then pauses `WHO_PAUSE_MS`: at 1,000
 * users one rebuild is ~85 MB, which written at once queues every chat line behind it — in the
 * socket buffers, on the wire, in the clients (a 2-core bench machine spent ~100 ms reading each
 * one, the storm's p99). Paced, it goes out at up to ~125 MB/s (a gigabit link) over ~0.7 s of
 * the rebuild interval (4 s at that size), and chat lines pass between the slices. At twice that
 * rate the bench's clients fell behind by up to ~400 ms at the end of a rebuild, and the lobby
 * lines with them (a chat line waits in each socket behind that socket's who list).
 */
const WHO_SLICE_BYTES = 1024 * 1024;
const WHO_PAUSE_MS = 8;

export function createRoster(options: RosterOptions): Roster {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const minInterval = options.minRebuildIntervalMs ?? 100;
  const msPerListed = options.rebuildMsPerListedUser ?? 4;
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

  /**
   * This node's copy of the shared roster: the sessions (in the registry's order, oldest first)
   * and the mutes and blocks among their users. Read from the registry once, then kept from the
   * deltas that roster.changed and relation.changed carry, so a join storm of n logins costs no
   * registry reads at all (each login's delta is applied in memory). An event without a delta, a
   * failed read, or the periodic resync drops it and it is read again.
   */
  interface View {
    readonly sessions: Map<string, OnlineSession>;
    /** Mutes and blocks, by `owner:target:kind`. */
    readonly relations: Map<string, RosterRelation>;
    /** Users whose relations are in `relations`. */
    readonly users: Set<UserId>;
  }
  let view: View | null = null;
  let loading: Promise<View> | null = null;
  /** Deltas heard while the view is being read: applied, in order, once it is. */
  let heardWhileLoading: RosterDelta[] = [];
  /** Reads of one newcomer's relations, under way. */
  const userLoads = new Map<UserId, Promise<void>>();
  /** The snapshot each member's last who list was built from (a rebuild skips members already shown it). */
  const sentSnapshot = new WeakMap<RosterMember, Snapshot>();
  /** The snapshot built from the view, until the next change. */
  let built: Snapshot | null = null;
  /** Logins waiting for their own session's delta (whoFor). */
  const arrivals = new Map<string, () => void>();
  const resync = setInterval(() => invalidate(), options.resyncIntervalMs ?? 60_000);
  resync.unref();

  const relationKey = (r: { ownerId: UserId; targetId: UserId; kind: string }) => `${r.ownerId}:${r.targetId}:${r.kind}`;

  function invalidate(): void {
    view = null;
    loading = null;
    built = null;
    heardWhileLoading = [];
  }

  async function load(): Promise<View> {
    const sessions = await options.source.sessions();
    const users = new Set(sessions.map((s) => s.userId));
    const relations = new Map<string, RosterRelation>();
    for (const r of users.size > 1 ? await options.source.relationsAmong([...users]) : []) relations.set(relationKey(r), r);
    return { sessions: new Map(sessions.map((s) => [s.id, s])), relations, users };
  }

  function loaded(): Promise<View> {
    if (view) return Promise.resolve(view);
    if (loading) return loading;
    const p = load().then(
      (v) => {
        if (loading !== p) return loaded(); // dropped while reading: read again
        loading = null;
        view = v;
        const heard = heardWhileLoading;
        heardWhileLoading = [];
        for (const d of heard) apply(v, d);
        return view ?? loaded();
      },
      (err: unknown) => {
        if (loading === p) loading = null;
        throw err;
      },
    );
    loading = p;
    return p;
  }

  function apply(v: View, delta: RosterDelta): void {
    built = null;
    if (delta.kind === 'removed') return void v.sessions.delete(delta.sessionId);
    if (delta.kind === 'state') {
      const s = v.sessions.get(delta.sessionId);
      if (s) v.sessions.set(s.id, { ...s, state: delta.state });
      else invalidate(); // a session this copy never saw arrive: read the registry again
      return;
    }
    const session = delta.session;
    v.sessions.set(session.id, session);
    if (v.users.has(session.userId) || userLoads.has(session.userId)) return;
    // A newcomer: their mutes and blocks with anyone. Snapshots wait for the read (current()).
    const read = options.source
      .relationsOf(session.userId)
      .then((rels) => {
        if (view !== v) return;
        for (const r of rels) v.relations.set(relationKey(r), r);
        v.users.add(session.userId);
        built = null;
      })
      .catch((err: unknown) => {
        options.logger.warn({ err }, 'barertc roster relations read failed');
        if (view === v) invalidate();
      })
      .finally(() => userLoads.delete(session.userId));
    userLoads.set(session.userId, read);
  }

  /** Resolves when this session's arrival is applied, or after a while (then the registry is read again). */
  function arrival(sessionId: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        arrivals.delete(sessionId);
        invalidate();
        resolve();
      }, options.arrivalTimeoutMs ?? 1000);
      timer.unref();
      arrivals.set(sessionId, () => {
        clearTimeout(timer);
        arrivals.delete(sessionId);
        resolve();
      });
    });
  }

  function relationChanged(e: { ownerId: UserId; targetId: UserId; kind: string; added: boolean }): void {
    if (e.kind !== 'mute' && e.kind !== 'block') return;
    // A newcomer's relations being read may or may not include this change: read everything again.
    if (!view || userLoads.size > 0) return invalidate();
    built = null;
    const key = relationKey(e);
    if (e.added) view.relations.set(key, { ownerId: e.ownerId, targetId: e.targetId, kind: e.kind });
    else view.relations.delete(key);
  }

  /** The roster now: this node's copy, with every newcomer's relations read. */
  async function current(): Promise<Snapshot> {
    for (;;) {
      const v = await loaded();
      if (userLoads.size > 0) {
        await Promise.all(userLoads.values());
        continue;
      }
      if (view !== v) continue;
      return (built ??= snapshotOf(v));
    }
  }

  /** Each session's who entry, read from its state once (a state change makes a new session object). */
  const entryCache = new WeakMap<OnlineSession, WhoEntry | null>();

  function snapshotOf(v: View): Snapshot {
    // One entry per username: the newest session holds the name (a take-over is in flight otherwise).
    const byName = new Map<string, OnlineSession>();
    const entries = new Map<string, Listed>();
    for (const s of v.sessions.values()) {
      let entry = entryCache.get(s);
      if (entry === undefined) entryCache.set(s, (entry = entryOf(s)));
      if (!entry) continue;
      byName.set(entry.username, s);
      entries.set(entry.username, { userId: s.userId, entry });
    }
    const listed = [...entries.values()].sort((a, b) => (a.entry.username < b.entry.username ? -1 : a.entry.username > b.entry.username ? 1 : 0));
    // Mutes and blocks come from the core; boots and invites from the sessions' published states.
    const among = listed.length > 1 ? [...v.relations.values(), ...cameraRelations(byName.values(), byName)] : [];
    const unblockable = new Set<UserId>();
    for (const s of byName.values()) if (s.state?.['unblockable'] === true) unblockable.add(s.userId);
    return { listed, relations: indexRelations(among, unblockable), names: byName };
  }

  /** The who list `viewer` sees (§4.6): blocks hide both ways, boots and mutes darken cameras, invites mark them. */
  function whoList(viewer: { userId: UserId; op: boolean; vip: boolean }, listed: readonly Listed[], rel: RelationIndex): WhoEntry[] {
    const self = viewer.userId;
    const viewerRelated = rel.involved.has(self);
    // An operator cannot be blocked unless BlockableAdmins, nor then if they ran /unmute-all.
    const exempt = (op: boolean, id: UserId) => op && (!options.blockableAdmins || rel.unblockable.has(id));
    const out: WhoEntry[] = [];
    for (const { userId, entry } of listed) {
      const other = userId !== self;
      if (other && entry.status === 'hidden') continue;
      // Relations only matter between two users who both take part in some (most pairs do not).
      const related = other && viewerRelated && rel.involved.has(userId);
      if (related && (rel.has(self, userId, 'block') || rel.has(userId, self, 'block')) && !exempt(entry.op, userId) && !exempt(viewer.op, self)) continue;
      let video = entry.video;
      if (other && video !== 0) {
        const invited = related && rel.has(userId, self, 'invite');
        if (related && (rel.has(userId, self, 'boot') || rel.has(userId, self, 'mute'))) video = viewer.op ? video ^ Video.MutualOpen : 0;
        else if (invited) video |= Video.Invited;
        if ((video & Video.OnlyVIP) !== 0 && !viewer.vip && !invited) video = 0;
      }
      const hideVip = entry.vip === true && options.vipMutuallySecret && !viewer.vip;
      // Most entries go out as published: the same object, no copy.
      if (video === entry.video && !hideVip) {
        out.push(entry);
        continue;
      }
      const { vip: _vip, ...rest } = entry;
      out.push({ ...rest, video, ...(entry.vip === true && !hideVip ? { vip: true } : {}) });
    }
    return out;
  }


  async function rebuild(): Promise<void> {
    if (members.size === 0 || now() - startedAt < options.whoWarmupMs) return;
    const snap = await current();
    const { listed, relations } = snap;
    lastListed = listed.length;
    let behind = false;
    const hidden = new Set(listed.filter((l) => l.entry.status === 'hidden').map((l) => l.userId));
    // Members nobody relates to, with the same operator and VIP standing, see the same list: build and stringify it once.
    const shared = new Map<string, string>();
    let written = 0;
    for (const m of [...members]) {
      if (written >= WHO_SLICE_BYTES) {
        written = 0;
        await new Promise<void>((resolve) => setTimeout(resolve, WHO_PAUSE_MS));
        if (stopped) return;
      }
      if (!members.has(m) || sentSnapshot.get(m) === snap) continue;
      if (m.backlog() > WHO_BACKLOG_LIMIT) {
        behind = true;
        continue;
      }
      sentSnapshot.set(m, snap);
      const viewer = { userId: m.userId, op: m.isOperator(), vip: m.isVip() };
      if (relations.involved.has(m.userId) || viewer.op || hidden.has(m.userId)) {
        const own = frame({ action: 'who', whoList: whoList(viewer, listed, relations) });
        m.send(own);
        written += own.length;
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
      written += text.length;
    }
    // Members still reading an earlier list get this one (or a newer) at the next rebuild.
    if (behind) schedule();
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

  /**
   * Presence lines for everyone but the user they are about wait here and go out together every
   * `presenceBatchMs`: in a join storm each socket then gets one write per batch instead of one
   * per login. The user concerned gets theirs at once, in its place in their login sequence or
   * just before their ending.
   */
  let presenceQueue: { readonly text: string; readonly about: string; readonly seq: number }[] = [];
  /** Order of members' arrivals and queued lines: a member is sent only lines queued after it arrived. */
  let seq = 0;
  const arrivedAt = new WeakMap<RosterMember, number>();
  let presenceTimer: NodeJS.Timeout | null = null;
  const presenceBatchMs = options.presenceBatchMs ?? 100;

  function flushPresence(): void {
    presenceTimer = null;
    const texts = presenceQueue;
    presenceQueue = [];
    if (texts.length === 0) return;
    // Most members get every line: one batch, framed once for all of them (HubSession.sendAll).
    // A member who arrived meanwhile, or whom a line is about, gets the lines queued after it
    // arrived and not about it, in their order.
    const all = texts.map((t) => t.text);
    const about = new Set(texts.map((t) => t.about));
    const firstQueued = texts[0]!.seq;
    for (const m of members) {
      const arrived = arrivedAt.get(m) ?? 0;
      if (arrived < firstQueued && !about.has(m.username)) {
        m.sendAll(all, { ephemeral: true });
        continue;
      }
      const own = texts.filter((t) => t.about !== m.username && arrived < t.seq).map((t) => t.text);
      if (own.length > 0) m.sendAll(own, { ephemeral: true });
    }
  }

  /** Presence line to everyone on this node (the ended user included, as BareRTC does), then the endings. */
  function notify(notice: RosterNotice): void {
    if (notice.kind !== null && now() - startedAt >= options.presenceWarmupMs) {
      const text = frame({ action: 'presence', username: notice.username, message: PRESENCE_TEXT[notice.kind] });
      for (const m of members) if (m.username === notice.username) m.send(text, { ephemeral: true });
      if (presenceBatchMs <= 0) {
        for (const m of members) if (m.username !== notice.username) m.send(text, { ephemeral: true });
      } else {
        presenceQueue.push({ text, about: notice.username, seq: ++seq });
        if (!presenceTimer) {
          presenceTimer = setTimeout(flushPresence, presenceBatchMs);
          presenceTimer.unref();
        }
      }
    }
    const end = notice.end;
    if (!end) return;
    for (const m of [...members]) {
      if (end.sessionId === undefined ? m.username === notice.username : m.sessionId === end.sessionId) m.signOut(end.message);
    }
  }

  return {
    add(m) {
      members.add(m);
      arrivedAt.set(m, ++seq);
    },
    remove: (m) => void members.delete(m),
    async whoFor(member) {
      // The login's own session must be on it: wait (briefly) for its delta to reach this node.
      let snap = await current();
      if (!hasSession(snap, member.sessionId)) {
        await arrival(member.sessionId);
        snap = await current();
      }
      const { listed, relations } = snap;
      return whoList({ userId: member.userId, op: member.isOperator(), vip: member.isVip() }, listed, relations);
    },
    async onlineNames() {
      return (await current()).names;
    },
    refresh() {
      built = null;
      schedule();
    },
    onEvent(event) {
      // A mute or block set on any node changes who lists on every node (§4.6).
      if (event.type === 'relation.changed') {
        relationChanged(event);
        return schedule();
      }
      if (event.type !== 'roster.changed' || (event.protocol !== null && event.protocol !== 'barertc')) return;
      const delta = event.delta;
      if (delta) {
        if (view) apply(view, delta);
        else if (loading) heardWhileLoading.push(delta);
        // (with neither, the next read of the registry has it)
        if (delta.kind === 'added') arrivals.get(delta.session.id)?.();
      } else if (!event.notice) invalidate();
      if (event.notice) notify(event.notice);
      schedule();
    },
    stop() {
      stopped = true;
      clearInterval(resync);
      if (presenceTimer) clearTimeout(presenceTimer);
      if (timer) clearTimeout(timer);
      if (warmupTimer) clearTimeout(warmupTimer);
    },
  };
}

/** A notice for one user (the welcome messages and kicks use it too). */
export const noticeFrame = (text: string, channel?: string): string => frame(chatServer(text, channel));
