import type { UserId } from '../model/ids.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

/**
 * The online-session registry. Sessions live in the store so every node sees them; a user's
 * first session announces presence.changed online, the last one gone announces offline.
 */
export interface PresenceService {
  /** Register a live connection; resolves to its session id. */
  connect(userId: UserId, protocol: string): Promise<string>;
  disconnect(sessionId: string, userId: UserId): Promise<void>;
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

export function createPresenceService(deps: { store: Store; bus: Bus; clock: Clock }): PresenceService {
  const { store, bus, clock } = deps;
  const nodeId = bus.nodeId;

  async function announceIfOffline(userId: UserId): Promise<void> {
    if (!(await store.sessions.hasSessions(userId))) await bus.publish({ type: 'presence.changed', userId, online: false });
  }

  return {
    async connect(userId, protocol) {
      const id = crypto.randomUUID();
      const wasOnline = await store.sessions.hasSessions(userId);
      await store.sessions.add({ id, userId, nodeId, protocol, connectedAt: clock.now() });
      if (!wasOnline) await bus.publish({ type: 'presence.changed', userId, online: true });
      return id;
    },
    async disconnect(sessionId, userId) {
      await store.sessions.remove(sessionId);
      await announceIfOffline(userId);
    },
    isOnline: (userId) => store.sessions.hasSessions(userId),
    onlineUserIds: () => store.sessions.onlineUserIds(),
    async disconnectNode() {
      for (const userId of await store.sessions.removeNode(nodeId)) await announceIfOffline(userId);
    },
    async heartbeat() {
      const now = clock.now();
      await store.sessions.heartbeat(nodeId, now);
      for (const userId of await store.sessions.removeStaleNodes(now - NODE_STALE_AFTER_MS)) await announceIfOffline(userId);
    },
  };
}
