import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Core } from '../core/core.js';
import type { DomainEvent } from '../core/events.js';
import type { ConversationId } from '../core/model/ids.js';
import type { Viewer } from '../core/services/delivery-policy.js';
import type { Logger } from '../logger.js';

/** The five front doors. */
export type ProtocolName = 'barertc' | 'connor' | 'chatcli' | 'trueconf' | 'invites';

/** What every adapter is built from. */
export interface ProtocolContext {
  readonly core: Core;
  readonly logger: Logger;
}

/** A protocol: its HTTP routes and its WebSocket routes. */
export interface ProtocolAdapter {
  readonly name: ProtocolName;
  /** Registered in its own encapsulated Fastify scope, so its error handler is its own. */
  readonly routes?: (app: FastifyInstance) => Promise<void>;
  readonly sockets?: readonly AnySocketRoute[];
  /**
   * The protocol's own answer for a request no route took (an unknown path, or a known path
   * with another method), or null when the path is not the protocol's.
   */
  readonly notFound?: (method: string, pathname: string) => UpgradeRejection | null;
  /**
   * Every domain event this node receives, for protocols that keep node-local views built from
   * shared state (BareRTC's per-recipient who lists); called after the hub's fan-out.
   */
  readonly onEvent?: (event: DomainEvent) => void;
  /** Stop the protocol's timers (shutdown). */
  readonly stop?: () => void;
}

/** The parts of an upgrade request an adapter may look at. */
export interface UpgradeRequest {
  readonly pathname: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Subprotocols the client offered, in order. */
  readonly offeredProtocols: readonly string[];
  readonly remoteAddress: string;
}

/** Refuse the upgrade with a plain HTTP response in the protocol's own shape. */
export interface UpgradeRejection {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * Accept the upgrade: the subprotocol to echo (if any), the connection's initial protocol state
 * (kept on the connection, so no module-level map of per-connection state is needed) and the
 * per-connection handler.
 */
export interface UpgradeAcceptance<S = unknown> {
  readonly subprotocol?: string;
  readonly state: S;
  readonly open: (conn: Connection<S>) => SocketHandler;
}

/** What accept() decides: refuse with an HTTP answer, or accept. */
export type UpgradeDecision<S = unknown> = { readonly reject: UpgradeRejection } | { readonly accept: UpgradeAcceptance<S> };

/** Where a socket route listens: the main HTTP listener, or ChatCLI's own (DESIGN.md "Gateway"). */
export type ListenerName = 'main' | 'chatcli';

/** One protocol's WebSocket endpoint; `S` is the per-connection state its handlers share. */
export interface SocketRoute<S = unknown> {
  readonly protocol: ProtocolName;
  /** Default: the main listener. */
  readonly listener?: ListenerName;
  /** Returns path parameters when the path belongs to this route, else null. */
  match(pathname: string): Record<string, string> | null;
  /** Largest inbound message in bytes; larger ones close the socket with 1009. */
  readonly maxPayload: number;
  /** Protocol ping interval for this route's sockets; default: the gateway's. */
  readonly pingIntervalMs?: number;
  /** How long a socket may stay silent (no pong, no message) before it is dropped; default two ping intervals. */
  readonly pongTimeoutMs?: number;
  /**
   * For protocols whose frames differ per connection (a per-connection request id, say): build
   * the connection's frames around the once-encoded text (none to skip this connection).
   */
  readonly frameFor?: (conn: Connection<S>, encoded: string, event: DomainEvent) => readonly string[];
  /** Close code used when a client reads too slowly (send buffer over the cap). */
  readonly slowConsumerCloseCode: number;
  /** Close reason sent with it; default "slow consumer". */
  readonly slowConsumerCloseReason?: string;
  /**
   * A client is also too slow once this many frames wait for its socket (written, not yet
   * accepted by the kernel; the current tick's burst not counted), besides the byte cap. Read at
   * every delivery, so a getter may change it live. Absent: the byte cap alone.
   */
  readonly maxQueuedFrames?: number;
  /**
   * The socket authenticates with its first frames (not at the upgrade): the hub closes it unless
   * it identifies within the authentication deadline (`gateway.auth_timeout_ms`).
   */
  readonly authenticatesInBand?: boolean;
  /** Close code when the hub ends a session (access lost, authentication deadline); default 1008. */
  readonly accessEndedCloseCode?: number;
  /**
   * The session lost access to a conversation it listened to (left, removed, banned, deleted);
   * the hub has already unsubscribed it. Protocols whose socket is the conversation close it.
   */
  onEvicted?(conn: Connection<S>, conversationId: ConversationId): void;
  /** Authenticate and decide; may reject with an HTTP response. Must not throw for bad input. */
  accept(request: UpgradeRequest): Promise<UpgradeDecision<S>>;
  /**
   * Encode a domain event once for every connection of this protocol; null when this protocol
   * does not show the event. The gateway frames the result once and writes the same bytes to
   * every recipient.
   */
  encode(event: DomainEvent): string | null;
}

/** Per-connection callbacks; the gateway runs them one at a time, in arrival order. */
export interface SocketHandler {
  onOpen?(): Promise<void> | void;
  onMessage(data: Buffer, isBinary: boolean): Promise<void> | void;
  onClose?(): Promise<void> | void;
}

/**
 * A socket route whose state type has been erased, for lists of routes of different protocols.
 * Routes are built with their own `S` and widened here once (see socketRoute()).
 */
export type AnySocketRoute = SocketRoute<never>;

/** Widen a route's state type for a list of routes; the gateway hands each route back its own state. */
export const socketRoute = <S>(route: SocketRoute<S>): AnySocketRoute => route as unknown as AnySocketRoute;

/** The small session surface adapters see (STYLE.md §0.1): no `ws` object, no transport, leaks out. */
export interface Connection<S = unknown> {
  readonly id: number;
  /** The protocol's own per-connection state, as accept() made it. */
  readonly state: S;
  /** Send one text frame. Ephemeral frames (typing, presence) are dropped first when the client is slow. */
  send(text: string, options?: { readonly ephemeral?: boolean }): void;
  /**
   * Send several text frames in one write. The same array sent to many sessions in a row (a batch
   * of presence lines) is framed once for all of them.
   */
  sendAll(texts: readonly string[], options?: { readonly ephemeral?: boolean }): void;
  /** Bytes sent to this client that it has not taken yet (a latest-wins sender may wait for it to drain). */
  readonly backlog: number;
  /** Close with a code and reason; no code sends a close frame without a status. */
  close(code?: number, reason?: string): void;
  /** Receive events of this conversation (rooms). */
  subscribe(conversationId: ConversationId): void;
  unsubscribe(conversationId: ConversationId): void;
  /**
   * Name who is behind the session, whatever the protocol: from now on account events (disabled,
   * password reset, logout) end it and per-viewer rules (membership) apply to what it receives.
   */
  identify(viewer: Viewer): void;
  /** Receive events of the identified user's direct and group conversations. */
  watchUser(): void;
  /** Receive server-wide events (presence changes). */
  listenBroadcasts(): void;
  /** Listen to the room with this name once it exists (anonymous listeners create nothing). */
  awaitRoom(name: string): void;
}
