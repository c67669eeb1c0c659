import type { ConversationId } from '../core/model/ids.js';
import type { HiddenAuthors, Viewer } from '../core/services/delivery-policy.js';
import type { AnySocketRoute, Connection } from '../protocols/protocol.js';
import { outgoing, type Outgoing, type Transport } from './transport.js';

/** The index a session keeps up to date as it subscribes, identifies and closes. */
export interface SessionIndex {
  subscribe(conversationId: ConversationId, session: HubSession): void;
  unsubscribe(conversationId: ConversationId, session: HubSession): void;
  identify(session: HubSession, previous: Viewer | null): void;
  listen(session: HubSession): void;
  awaitRoom(name: string, session: HubSession): void;
}

/**
 * One protocol's traffic on this node, counted by the hub for /metrics (plain numbers: the
 * fan-out path pays an addition, not a metrics-library call, per write).
 */
export interface ProtocolTraffic {
  /** Live sessions (sockets and long-polls). */
  sessions: number;
  /** Inbound messages accepted from clients (WebSocket frames, long-poll messages). */
  messagesIn: number;
  /** Messages written to sessions' transports (each frame of a batch counts). */
  messagesOut: number;
}

/** The viewer of a session that has not identified: an anonymous listener, which sees rooms only. */
export const ANONYMOUS: Viewer = Object.freeze({ userId: null, generation: 0, familyId: null });

/**
 * One live session in the hub, whatever its transport and protocol: who is behind it, what it
 * listens to, and the protocol's own typed state. Small on purpose (DESIGN.md budget: < 10 KB
 * per idle connection).
 */
/** The last text sent through HubSession.send, with its frame once built (shared by every recipient of that text). */
let lastSent: Outgoing | null = null;
/** The same for HubSession.sendAll, by the array sent. */
let lastBatch: { readonly texts: readonly string[]; readonly out: Outgoing } | null = null;

export class HubSession implements Connection {
  readonly id: number;
  readonly route: AnySocketRoute;
  /** The protocol's own state; the route that made it reads it back through Connection<S>. */
  readonly state: unknown;
  readonly openedAt: number;
  /** Who is behind the session; ANONYMOUS until it identifies. */
  viewer: Viewer = ANONYMOUS;
  identified = false;
  /** Receives events whose audience names its user (direct and group conversations). */
  watchesOwn = false;
  /** Users whose messages this session is not shown (mutes and blocks); null when none, the common case. */
  hidden: HiddenAuthors | null = null;
  conversations: Set<ConversationId> | null = null;
  /** The room name it waits for (awaitRoom), if any. */
  awaiting: string | null = null;
  detached = false;
  readonly #transport: Transport;
  readonly #index: SessionIndex;
  readonly #maxBuffered: number;
  readonly #traffic: ProtocolTraffic;

  constructor(id: number, transport: Transport, route: AnySocketRoute, state: unknown, index: SessionIndex, maxBuffered: number, now: number, traffic: ProtocolTraffic) {
    this.id = id;
    this.#traffic = traffic;
    this.#transport = transport;
    this.route = route;
    this.state = state;
    this.#index = index;
    this.#maxBuffered = maxBuffered;
    this.openedAt = now;
  }

  send(text: string, options?: { readonly ephemeral?: boolean }): void {
    // The same text sent to many sessions in a row (a who list, a presence line) is framed once.
    if (lastSent?.text !== text) lastSent = outgoing(text);
    this.deliver(lastSent, options?.ephemeral ?? false);
  }

  sendAll(texts: readonly string[], options?: { readonly ephemeral?: boolean }): void {
    if (texts.length === 0) return;
    if (lastBatch?.texts !== texts) lastBatch = { texts, out: { text: texts[0]!, more: texts.slice(1), frame: null } };
    this.deliver(lastBatch.out, options?.ephemeral ?? false);
  }

  get backlog(): number {
    return this.#transport.bufferedAmount;
  }

  /** Write a message (possibly shared with other recipients), applying the slow-consumer rules. */
  deliver(message: Outgoing, ephemeral: boolean): void {
    const transport = this.#transport;
    if (!transport.isOpen) return;
    const maxFrames = this.route.maxQueuedFrames;
    if (transport.bufferedAmount > this.#maxBuffered || (maxFrames !== undefined && (transport.queuedFrames ?? 0) >= maxFrames)) {
      if (ephemeral) return; // ephemeral events are the first thing a slow reader loses
      this.close(this.route.slowConsumerCloseCode, this.route.slowConsumerCloseReason ?? 'slow consumer');
      return;
    }
    transport.write(message);
    this.#traffic.messagesOut += message.more ? 1 + message.more.length : 1;
  }

  /** Count one inbound message from the client (the transport's owner calls it as it accepts one). */
  countReceived(): void {
    this.#traffic.messagesIn++;
  }

  close(code?: number, reason?: string): void {
    this.#transport.close(code, reason);
  }

  subscribe(conversationId: ConversationId): void {
    if (this.detached) return; // a handler that resumes after the socket closed must not re-index it
    (this.conversations ??= new Set()).add(conversationId);
    this.#index.subscribe(conversationId, this);
  }

  unsubscribe(conversationId: ConversationId): void {
    this.conversations?.delete(conversationId);
    this.#index.unsubscribe(conversationId, this);
  }

  identify(viewer: Viewer): void {
    if (this.detached) return;
    const previous = this.identified ? this.viewer : null;
    if (previous && previous.userId !== viewer.userId) {
      // Another account on the same socket (a second `auth`): nothing the first one could see carries over.
      for (const id of [...(this.conversations ?? [])]) this.unsubscribe(id);
      this.watchesOwn = false;
    }
    this.viewer = Object.freeze({ userId: viewer.userId, generation: viewer.generation, familyId: viewer.familyId });
    this.identified = true;
    this.#index.identify(this, previous);
  }

  watchUser(): void {
    this.watchesOwn = true;
  }

  listenBroadcasts(): void {
    if (!this.detached) this.#index.listen(this);
  }

  awaitRoom(name: string): void {
    if (!this.detached) this.#index.awaitRoom(name, this);
  }
}
