import type { EventAuthor, RosterNotice } from '../events.js';
import type { UserId } from '../model/ids.js';
import type { Principal } from '../model/principal.js';
import type { OnlineSession, SessionState } from '../model/relation.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

/**
 * The online-session registry. Sessions live in the store so every node sees them; a user's
 * first session announces presence.changed online, the last one gone announces offline.
 */
export interface PresenceService {
  /**
   * Register a live connection; resolves to its session id. A session with a public `state`
   * joins its protocol's roster (roster.changed is announced).
   */
  connect(user: Principal, protocol: string, state?: SessionState): Promise<string>;
  /** Remove a connection; a rostered one leaves its roster, with `notice` told to everyone on it. */
  disconnect(sessionId: string, user: Principal, notice?: RosterNotice): Promise<void>;
  /** Send a frame of `protocol`'s to one user's sessions of it, on every node (session.signal). */
  signal(protocol: string, userId: UserId, payload: string): Promise<void>;
  /** Send a frame of `protocol`'s to every session of it, on every node (protocol.broadcast). */
  broadcast(protocol: string, authorId: UserId, payload: string): Promise<void>;
  /** Ask every node, this one included, to re-read `protocol`'s settings from its own file (settings.reload). */
  reloadSettings(protocol: string): Promise<void>;
  /** Tell everyone on a protocol's roster, on every node (roster.changed with the notice). */
  announce(protocol: string, notice: RosterNotice): Promise<void>;
  /**
   * Announce roster.changed with no notice: every node rebuilds what it shows of the roster (a
   * change the registry does not hold, such as mutes and blocks set by an admin call).
   */
  refresh(protocol: string): Promise<void>;
  /** Replace a rostered session's public state and announce roster.changed; false when the session is gone. */
  setState(sessionId: string, protocol: string, state: SessionState): Promise<boolean>;
  /** The live sessions of one protocol on every node, with their states, oldest first. */
  roster(protocol: string): Promise<OnlineSession[]>;
  isOnline(userId: UserId): Promise<boolean>;
  onlineUserIds(): Promise<UserId[]>;
  /** Drop every session of this node (graceful shutdown), announcing users that went offline. */
  disconnectNode(): Promise<void>;
  /**
   * Record that this node is alive and sweep the sessions of nodes silent for longer than
   * NODE_STALE_AFTER_MS (killed or crashed), announcing users that went offline. The composition
   * root calls it at start-up and every HEARTBEAT_INTERVAL_MS.
   */
  heartbeat(): Promise<void>;
}

/** How often a node records that it is alive. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A node silent this long is presumed dead and its sessions are swept. */
export const NODE_STALE_AFTER_MS = 35_000;

/** The online-session registry over the store, announcing changes on the bus. */
export function createPresenceService(deps: { store: Store; bus: Bus; clock: Clock }): PresenceService {
  const { store, bus, clock } = deps;
  const nodeId = bus.nodeId;

  const toAuthor = (u: Principal): EventAuthor => ({ id: u.id, username: u.username, displayName: u.displayName });

  async function announceIfOffline(user: Principal | UserId): Promise<void> {
    const userId = typeof user === 'number' ? user : user.id;
    if (await store.sessions.hasSessions(userId)) return;
    const principal = typeof user === 'number' ? await store.users.findById(userId) : user;
    if (principal) await bus.publish({ type: 'presence.changed', user: toAuthor(principal), online: false });
  }

  return {
    async connect(user, protocol, state) {
      const id = crypto.randomUUID();
      const wasOnline = await store.sessions.hasSessions(user.id);
      const session = { id, userId: user.id, nodeId, protocol, connectedAt: clock.now(), state: state ?? null };
      await store.sessions.add(session);
      if (!wasOnline) await bus.publish({ type: 'presence.changed', user: toAuthor(user), online: true });
      if (state) await bus.publish({ type: 'roster.changed', protocol, delta: { kind: 'added', session } });
      return id;
    },
    async disconnect(sessionId, user, notice) {
      const removed = await store.sessions.remove(sessionId);
      await announceIfOffline(user);
      if (removed?.state != null) await bus.publish({ type: 'roster.changed', protocol: removed.protocol, delta: { kind: 'removed', sessionId }, ...(notice ? { notice } : {}) });
    },
    announce: (protocol, notice) => bus.publish({ type: 'roster.changed', protocol, notice }),
    refresh: (protocol) => bus.publish({ type: 'roster.changed', protocol }),
    signal: (protocol, userId, payload) => bus.publish({ type: 'session.signal', protocol, userId, payload }),
    broadcast: (protocol, authorId, payload) => bus.publish({ type: 'protocol.broadcast', protocol, authorId, payload }),
    reloadSettings: (protocol) => bus.publish({ type: 'settings.reload', protocol }),
    async setState(sessionId, protocol, state) {
      if (!(await store.sessions.setState(sessionId, state))) return false;
      await bus.publish({ type: 'roster.changed', protocol, delta: { kind: 'state', sessionId, state } });
      return true;
    },
    roster: (protocol) => store.sessions.listByProtocol(protocol),
    isOnline: (userId) => store.sessions.hasSessions(userId),
    onlineUserIds: () => store.sessions.onlineUserIds(),
    async disconnectNode() {
      const gone = await store.sessions.removeNode(nodeId);
      for (const userId of gone) await announceIfOffline(userId);
      if (gone.length > 0) await bus.publish({ type: 'roster.changed', protocol: null });
    },
    async heartbeat() {
      const now = clock.now();
      await store.sessions.heartbeat(nodeId, now);
      const swept = await store.sessions.removeStaleNodes(now - NODE_STALE_AFTER_MS);
      for (const userId of swept) await announceIfOffline(userId);
      if (swept.length > 0) await bus.publish({ type: 'roster.changed', protocol: null });
    },
  };
}
