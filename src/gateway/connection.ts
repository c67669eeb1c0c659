import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { ConversationId, UserId } from '../core/model/ids.js';
import type { Connection, SocketHandler, SocketRoute } from '../protocols/protocol.js';
import { CloseCode } from './close-codes.js';
import { frameText, rawSocket, writeFramed } from './frame.js';

/** The gateway's index of who listens to what; a connection keeps it up to date. */
export interface SubscriptionIndex {
  add(conversationId: ConversationId, conn: LiveConnection): void;
  remove(conversationId: ConversationId, conn: LiveConnection): void;
  watch(userId: UserId, conn: LiveConnection): void;
  unwatch(userId: UserId, conn: LiveConnection): void;
  /** Who the connection belongs to, for acting on account events (e.g. closing a disabled user's sockets). */
  identify(userId: UserId, conn: LiveConnection): void;
  unidentify(userId: UserId, conn: LiveConnection): void;
  /** Server-wide events (those without an audience). */
  listen(conn: LiveConnection): void;
  unlisten(conn: LiveConnection): void;
}

/** Queued inbound steps at which a connection stops reading, and at which it reads again. */
const QUEUE_HIGH_WATER = 64;
const QUEUE_LOW_WATER = 16;

/** Sockets corked this tick; uncorked together so a burst of events leaves as one write each. */
const corked = new Set<Socket>();
let flushScheduled = false;
function uncorkAll(): void {
  flushScheduled = false;
  for (const s of corked) s.uncork();
  corked.clear();
}

/**
 * One live WebSocket. Small on purpose (DESIGN.md budget: < 10 KB per idle connection): the
 * ws object, the route, the handler, two tiny sets and a promise tail that keeps inbound
 * messages in order.
 */
export class LiveConnection implements Connection {
  readonly id: number;
  readonly route: SocketRoute;
  /** When the peer last showed it is alive (a pong or a message), Date.now() ms. */
  lastSeen = Date.now();
  #ws: WebSocket;
  #index: SubscriptionIndex;
  #maxBuffered: number;
  #conversations: Set<ConversationId> | null = null;
  #userId: UserId | null = null;
  #identity: UserId | null = null;
  #tail: Promise<void> = Promise.resolve();
  /** Handler steps queued and not yet finished; above the high-water mark the socket stops being read. */
  #pending = 0;
  #paused = false;
  #abandoned = false;
  #detached = false;

  constructor(id: number, ws: WebSocket, route: SocketRoute, index: SubscriptionIndex, maxBuffered: number) {
    this.id = id;
    this.#ws = ws;
    this.route = route;
    this.#index = index;
    this.#maxBuffered = maxBuffered;
  }

  get ws(): WebSocket {
    return this.#ws;
  }

  send(text: string, options?: { readonly ephemeral?: boolean }): void {
    this.sendFramed(frameText(text), text, options?.ephemeral ?? false);
  }

  /** Write a frame built once for many recipients, applying the slow-consumer rules. */
  sendFramed(frame: Buffer, text: string, ephemeral: boolean): void {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.#maxBuffered) {
      if (ephemeral) return; // ephemeral events are the first thing a slow reader loses
      this.close(this.route.slowConsumerCloseCode, 'slow consumer');
      return;
    }
    const socket = rawSocket(ws);
    if (socket && !corked.has(socket)) {
      socket.cork();
      corked.add(socket);
      if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(uncorkAll);
      }
    }
    writeFramed(ws, frame, text);
  }

  close(code?: number, reason?: string): void {
    if (this.#ws.readyState === WebSocket.CLOSED || this.#ws.readyState === WebSocket.CLOSING) return;
    if (code === undefined) this.#ws.close();
    else this.#ws.close(code, reason);
  }

  subscribe(conversationId: ConversationId): void {
    if (this.#detached) return; // a handler that resumes after the socket closed must not re-index it
    (this.#conversations ??= new Set()).add(conversationId);
    this.#index.add(conversationId, this);
  }

  unsubscribe(conversationId: ConversationId): void {
    this.#conversations?.delete(conversationId);
    this.#index.remove(conversationId, this);
  }

  watchUser(userId: UserId): void {
    if (this.#detached) return;
    if (this.#userId !== null) this.#index.unwatch(this.#userId, this);
    this.#userId = userId;
    this.#index.watch(userId, this);
  }

  listenBroadcasts(): void {
    if (this.#detached) return;
    this.#index.listen(this);
  }

  identify(userId: UserId): void {
    if (this.#detached) return;
    if (this.#identity !== null) this.#index.unidentify(this.#identity, this);
    this.#identity = userId;
    this.#index.identify(userId, this);
  }

  /**
   * Run a handler step after the previous ones, so a client's messages are handled in order.
   * A client that sends faster than its steps finish is paused (TCP backpressure) rather than
   * buffered without bound, and resumed once the queue has drained to the low-water mark.
   */
  enqueue(step: () => Promise<void> | void, onError: (e: unknown) => void): void {
    this.#pending++;
    if (this.#pending >= QUEUE_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#ws.pause();
    }
    this.#tail = this.#tail
      .then(() => (this.#abandoned ? undefined : step()))
      .catch(onError)
      .finally(() => {
        this.#pending--;
        if (this.#paused && this.#pending <= QUEUE_LOW_WATER) {
          this.#paused = false;
          this.#ws.resume();
        }
      });
  }

  /** Skip every step still queued (shutdown after the drain deadline). */
  abandon(): void {
    this.#abandoned = true;
  }

  /** Remove from every index; called once when the socket closes. Later subscriptions are ignored. */
  detach(): void {
    this.#detached = true;
    for (const id of this.#conversations ?? []) this.#index.remove(id, this);
    this.#conversations = null;
    if (this.#userId !== null) this.#index.unwatch(this.#userId, this);
    if (this.#identity !== null) this.#index.unidentify(this.#identity, this);
    this.#index.unlisten(this);
  }

  /** Resolves when every queued handler step has finished. */
  drained(): Promise<void> {
    return this.#tail;
  }
}
