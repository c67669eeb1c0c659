import type { DomainEvent } from '../core/events.js';
import type { ConversationId, UserId } from '../core/model/ids.js';
import type { Relation } from '../core/model/relation.js';
import { accessChangeOf, applyRelationChange, hiddenAuthorsOf, hiddenFrom, hidingAuthorOf, viewerFilterOf, type AccessChange, type RelationChange } from '../core/services/delivery-policy.js';
import type { Logger } from '../logger.js';
import type { AnySocketRoute, Connection, ProtocolName } from '../protocols/protocol.js';
import { HubSession, type ProtocolTraffic, type SessionIndex } from './hub-session.js';
import type { Outgoing, Transport } from './transport.js';

/** Close code for a session ended by an access change when its protocol names none (RFC 6455 policy violation). */
const POLICY_VIOLATION = 1008;
const closeCodeOf = (session: HubSession): number => session.route.accessEndedCloseCode ?? POLICY_VIOLATION;
/** How long an ending is remembered, for sessions that identify with credentials read just before it. */
const ENDING_MEMORY_MS = 60_000;

/** What a hub needs: a logger, the send-buffer cap and the authentication deadline. */
export interface HubOptions {
  readonly logger: Logger;
  /** Per-session send-buffer cap in bytes. */
  readonly maxBufferedBytes: number;
  /** Sessions of routes that authenticate in band are closed when not identified by then (ms). */
  readonly authTimeoutMs: number;
  /** Milliseconds since the epoch; Date.now by default. */
  readonly now?: () => number;
  /**
   * The relations a user takes part in (core.moderation.involving: one query), read when one of
   * its sessions identifies, so that mutes and blocks hold at delivery (delivery-policy.ts).
   * Without it no session hides anyone.
   */
  readonly relationsOf?: (userId: UserId) => Promise<readonly Relation[]>;
}

/**
 * The delivery hub: every live session on this node, whatever its transport and protocol, the
 * index of what each listens to and who is behind it, and fan-out. Access changes (removal,
 * bans, revoked credentials) reach it as events from every node and apply to live sessions
 * before the next delivery.
 */
export interface Hub {
  /** Register a session over a transport; the caller forwards the transport's close to detach(). */
  open(transport: Transport, route: AnySocketRoute, state: unknown): HubSession;
  /** Remove a closed session from every index. Idempotent. */
  detach(session: HubSession): void;
  /** Deliver an event from the bus or the database feed to the local sessions that may see it. */
  deliver(event: DomainEvent): void;
  /** Live sessions on this node. */
  readonly size: number;
  /** Live sessions of one user on this node. */
  sessionsOf(userId: UserId): number;
  /** Sessions and messages in and out per protocol on this node since it started (read by /metrics). */
  traffic(): ReadonlyMap<ProtocolName, Readonly<ProtocolTraffic>>;
  /** Stop the authentication-deadline timer. */
  stop(): void;
}

type Session = HubSession;

/** Who an event goes to: iterated once by fanOut. */
type Recipients = Iterable<Session> & { readonly size: number };

/** A session's relations being read: relation changes and deliveries that arrived meanwhile, in order. */
interface LoadingRelations {
  readonly changes: RelationChange[];
  readonly held: (() => void)[];
}
/** Deliveries held for one session while its relations are read; past this it is a slow consumer. */
const MAX_HELD = 1000;

/** A hub with its timers; deliver events to it from core.events and the access-event poll. */
export function createHub(options: HubOptions): Hub {
  const { logger } = options;
  const now = options.now ?? Date.now;
  const byConversation = new Map<ConversationId, Set<Session>>();
  const byUser = new Map<UserId, Set<Session>>();
  const awaitingRoom = new Map<string, Set<Session>>();
  const broadcastListeners = new Set<Session>();
  const unidentified = new Set<Session>();
  const live = new Set<Session>();
  /** Endings seen lately, per user: a session identifying with credentials read before one is ended too. */
  const recentEndings = new Map<UserId, { change: Extract<AccessChange, { kind: 'end' }>; at: number }[]>();
  /** Sessions whose relations are being read, with what arrived for them meanwhile. */
  const loadingRelations = new Map<Session, LoadingRelations>();
  let nextId = 1;
  const traffic = new Map<ProtocolName, ProtocolTraffic>();
  const trafficOf = (protocol: ProtocolName): ProtocolTraffic => {
    let t = traffic.get(protocol);
    if (!t) traffic.set(protocol, (t = { sessions: 0, messagesIn: 0, messagesOut: 0 }));
    return t;
  };

  const addTo = <K>(map: Map<K, Set<Session>>, key: K, s: Session) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(s);
  };
  const removeFrom = <K>(map: Map<K, Set<Session>>, key: K, s: Session) => {
    const set = map.get(key);
    if (set?.delete(s) && set.size === 0) map.delete(key);
  };

  const index: SessionIndex = {
    subscribe: (id, s) => addTo(byConversation, id, s),
    unsubscribe: (id, s) => removeFrom(byConversation, id, s),
    identify(session, previous) {
      if (previous?.userId != null) removeFrom(byUser, previous.userId, session);
      unidentified.delete(session);
      const { userId } = session.viewer;
      if (previous?.userId !== userId) {
        session.hidden = null;
        loadingRelations.delete(session);
      }
      if (userId === null) return;
      addTo(byUser, userId, session);
      if (previous?.userId !== userId) loadRelations(session, userId);
      for (const { change } of recentEndings.get(userId) ?? []) {
        if (change.ends(session.viewer)) return session.close(closeCodeOf(session), change.reason);
      }
    },
    listen: (s) => void broadcastListeners.add(s),
    awaitRoom(name, session) {
      if (session.awaiting !== null) removeFrom(awaitingRoom, session.awaiting, session);
      session.awaiting = name;
      addTo(awaitingRoom, name, session);
    },
  };

  function deliver(event: DomainEvent): void {
    if (event.type === 'relation.changed') return relationChanged(event);
    const change = accessChangeOf(event);
    if (change?.kind === 'end') end(change);
    if (event.type === 'member.joined' && event.conversation.kind === 'room' && event.conversation.name !== null) roomCreated(event.conversation.name, event.conversation.id);
    fanOut(event);
    if (change?.kind === 'evict') evict(change.conversationId, change.userId);
  }

  /** Encode once per protocol, frame once, write the same bytes to every recipient that may see it. */
  function fanOut(event: DomainEvent): void {
    const targets = recipients(event);
    if (targets.size === 0) return;
    const mayView = viewerFilterOf(event);
    const author = hidingAuthorOf(event);
    const encoded = new Map<ProtocolName, Outgoing | null>();
    const ephemeral = event.type === 'presence.changed' || event.type === 'typing.started';
    for (const session of targets) {
      // What the session's protocol shows of the event first: many show nothing (a room's joins on BareRTC).
      const route = session.route;
      let out = encoded.get(route.protocol);
      if (out === undefined) {
        const text = route.encode(event);
        out = text === null ? null : { text, frame: null };
        encoded.set(route.protocol, out);
      }
      if (out === null) continue;
      if (mayView !== null && !mayView(session.viewer)) continue;
      // Mutes and blocks: a null check for sessions without any, which keep the shared frame.
      if (hiddenFrom(session.hidden, author)) continue;
      if (loadingRelations.size !== 0) {
        // Identified a moment ago, its mutes and blocks still being read: held until they are known.
        const loading = loadingRelations.get(session);
        if (loading) {
          hold(session, loading, out, event, ephemeral, author);
          continue;
        }
      }
      write(session, out, event, ephemeral);
    }
  }

  function write(session: Session, out: Outgoing, event: DomainEvent, ephemeral: boolean): void {
    const route = session.route;
    if (route.frameFor) {
      const frames = route.frameFor(session as unknown as Connection<never>, out.text, event);
      // A protocol that passes the shared text on unchanged keeps the frame built once for everyone.
      if (frames.length === 1 && frames[0] === out.text) return session.deliver(out, ephemeral);
      for (const own of frames) session.send(own, { ephemeral });
    } else session.deliver(out, ephemeral);
  }

  function hold(session: Session, loading: LoadingRelations, out: Outgoing, event: DomainEvent, ephemeral: boolean, author: UserId | null): void {
    if (loading.held.length >= MAX_HELD) {
      if (!ephemeral) session.close(session.route.slowConsumerCloseCode, session.route.slowConsumerCloseReason ?? 'slow consumer');
      return;
    }
    loading.held.push(() => {
      if (!hiddenFrom(session.hidden, author)) write(session, out, event, ephemeral);
    });
  }

  /** Two disjoint sets read as one, without copying either. */
  function union(a: ReadonlySet<Session>, b: ReadonlySet<Session>): Recipients {
    return {
      size: a.size + b.size,
      *[Symbol.iterator]() {
        yield* a;
        yield* b;
      },
    };
  }

  function recipients(event: DomainEvent): Recipients {
    if (event.type === 'session.signal') return byUser.get(event.userId) ?? EMPTY;
    if (event.type === 'protocol.broadcast') return live;
    if (!('audience' in event)) return event.type === 'presence.changed' ? broadcastListeners : EMPTY;
    const { audience } = event;
    const subscribers = byConversation.get(audience.conversationId) ?? EMPTY;
    if (audience.memberIds.length === 0) return subscribers;
    // Members' own sockets that are not subscribed yet: usually none, or a few, so a room's
    // thousand subscribers are not copied for them.
    let extra: Set<Session> | null = null;
    for (const id of audience.memberIds) for (const s of byUser.get(id) ?? []) if (s.watchesOwn && !subscribers.has(s)) (extra ??= new Set()).add(s);
    if (extra === null) return subscribers;
    if (subscribers.size === 0) return extra;
    return union(subscribers, extra);
  }

  /**
   * Read who a newly identified session must not be shown. Relation changes that arrive while the
   * read is under way are applied after it (applying one the read already saw changes nothing), and
   * deliveries are held until then, so not even the first message after identifying slips through.
   * A session whose relations cannot be read is closed rather than shown what a block should hide.
   */
  function loadRelations(session: Session, userId: UserId): void {
    const read = options.relationsOf;
    if (!read) return;
    const pending: LoadingRelations = { changes: [], held: [] };
    loadingRelations.set(session, pending);
    read(userId).then(
      (relations) => {
        if (loadingRelations.get(session) !== pending) return; // re-identified or detached meanwhile
        loadingRelations.delete(session);
        let hidden = hiddenAuthorsOf(userId, relations);
        for (const change of pending.changes) hidden = applyRelationChange(hidden, userId, change);
        session.hidden = hidden;
        for (const deliverHeld of pending.held) deliverHeld();
      },
      (err: unknown) => {
        if (loadingRelations.get(session) !== pending) return;
        loadingRelations.delete(session);
        logger.error({ err, userId }, 'could not read mutes and blocks; closing the session');
        session.close(closeCodeOf(session), 'internal error');
      },
    );
  }

  /** A mute or block set or lifted: both users' sessions on this node update what they hide. */
  function relationChanged(change: RelationChange): void {
    for (const userId of [change.ownerId, change.targetId]) {
      for (const session of byUser.get(userId) ?? []) {
        const pending = loadingRelations.get(session);
        if (pending) pending.changes.push(change);
        else session.hidden = applyRelationChange(session.hidden, userId, change);
      }
    }
  }

  function end(change: Extract<AccessChange, { kind: 'end' }>): void {
    if (change.remember) {
      const at = now();
      const kept = (recentEndings.get(change.userId) ?? []).filter((e) => at - e.at < ENDING_MEMORY_MS);
      recentEndings.set(change.userId, [...kept, { change, at }]);
    }
    for (const session of [...(byUser.get(change.userId) ?? [])]) {
      if (change.ends(session.viewer)) session.close(closeCodeOf(session), change.reason);
    }
  }

  function evict(conversationId: ConversationId, userId: UserId | null): void {
    const subscribers = byConversation.get(conversationId);
    if (!subscribers) return;
    for (const session of [...subscribers]) {
      if (userId !== null && session.viewer.userId !== userId) continue;
      session.unsubscribe(conversationId);
      session.route.onEvicted?.(session as unknown as Connection<never>, conversationId);
    }
  }

  function roomCreated(name: string, id: ConversationId): void {
    const waiting = awaitingRoom.get(name);
    if (!waiting) return;
    awaitingRoom.delete(name);
    for (const session of waiting) {
      session.awaiting = null;
      session.subscribe(id);
    }
  }

  // Sessions that must authenticate in band and have not: closed after the deadline, so a socket
  // that never says who it is holds nothing for long (issue 8, defect 10).
  const sweep = setInterval(() => {
    const deadline = now() - options.authTimeoutMs;
    for (const session of unidentified) if (session.openedAt <= deadline) session.close(closeCodeOf(session), 'authentication timeout');
    const at = now();
    for (const [userId, endings] of recentEndings) if (endings.every((e) => at - e.at >= ENDING_MEMORY_MS)) recentEndings.delete(userId);
  }, Math.max(50, Math.min(1000, options.authTimeoutMs / 4)));
  sweep.unref();

  return {
    open(transport, route, state) {
      const counts = trafficOf(route.protocol);
      const session = new HubSession(nextId++, transport, route, state, index, options.maxBufferedBytes, now(), counts);
      counts.sessions++;
      live.add(session);
      if (route.authenticatesInBand) unidentified.add(session);
      return session;
    },
    detach(session) {
      if (session.detached) return;
      session.detached = true;
      live.delete(session);
      trafficOf(session.route.protocol).sessions--;
      loadingRelations.delete(session);
      unidentified.delete(session);
      for (const id of session.conversations ?? []) removeFrom(byConversation, id, session);
      session.conversations = null;
      if (session.viewer.userId !== null) removeFrom(byUser, session.viewer.userId, session);
      broadcastListeners.delete(session);
      if (session.awaiting !== null) removeFrom(awaitingRoom, session.awaiting, session);
    },
    deliver(event) {
      try {
        deliver(event);
      } catch (e) {
        // An event from another build of Parley may not have the shape this one expects.
        logger.error({ err: e, type: event.type }, 'could not deliver an event');
      }
    },
    get size() {
      return live.size;
    },
    sessionsOf: (userId) => byUser.get(userId)?.size ?? 0,
    traffic: () => traffic,
    stop: () => clearInterval(sweep),
  };
}

const EMPTY: ReadonlySet<Session> = new Set();
