import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Core } from '../core/core.js';
import type { DomainEvent } from '../core/events.js';
import type { ConversationId, UserId } from '../core/model/ids.js';
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
  readonly sockets?: readonly SocketRoute[];
  /**
   * The protocol's own answer for a request no route took (an unknown path, or a known path
   * with another method), or null when the path is not the protocol's.
   */
  readonly notFound?: (method: string, pathname: string) => UpgradeRejection | null;
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

/** Accept the upgrade: the subprotocol to echo (if any) and the per-connection handler. */
export interface UpgradeAcceptance {
  readonly subprotocol?: string;
  readonly open: (conn: Connection) => SocketHandler;
}

/** What accept() decides: refuse with an HTTP answer, or accept. */
export type UpgradeDecision = { readonly reject: UpgradeRejection } | { readonly accept: UpgradeAcceptance };

/** Where a socket route listens: the main HTTP listener, or ChatCLI's own (DESIGN.md "Gateway"). */
export type ListenerName = 'main' | 'chatcli';

/** One protocol's WebSocket endpoint. */
export interface SocketRoute {
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
  readonly frameFor?: (conn: Connection, encoded: string, event: DomainEvent) => readonly string[];
  /** Close code used when a client reads too slowly (send buffer over the cap). */
  readonly slowConsumerCloseCode: number;
  /** Authenticate and decide; may reject with an HTTP response. Must not throw for bad input. */
  accept(request: UpgradeRequest): Promise<UpgradeDecision>;
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

/** The small socket surface adapters see (STYLE.md §0.1): no `ws` object leaks out. */
export interface Connection {
  readonly id: number;
  /** Send one text frame. Ephemeral frames (typing, presence) are dropped first when the client is slow. */
  send(text: string, options?: { readonly ephemeral?: boolean }): void;
  /** Close with a code and reason; no code sends a close frame without a status. */
  close(code?: number, reason?: string): void;
  /** Receive events of this conversation (rooms). */
  subscribe(conversationId: ConversationId): void;
  unsubscribe(conversationId: ConversationId): void;
  /** Receive events addressed to this user's direct and group conversations. */
  watchUser(userId: UserId): void;
  /** Name the account behind the socket, so account events (disabling) reach it. */
  identify(userId: UserId): void;
  /** Receive server-wide events (presence changes). */
  listenBroadcasts(): void;
}
