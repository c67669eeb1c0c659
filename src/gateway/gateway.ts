import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { isChatError } from '../core/errors.js';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '../logger.js';
import type { AnySocketRoute, Connection, SocketHandler, UpgradeAcceptance, UpgradeRejection } from '../protocols/protocol.js';
import { CloseCode } from './close-codes.js';
import { WsConnection } from './ws-connection.js';

/** What a gateway needs: the hub it registers sessions with, the socket routes it serves and its limits. */
export interface GatewayOptions {
  readonly hub: Hub;
  readonly routes: readonly AnySocketRoute[];
  readonly logger: Logger;
  /** Ping every this many ms; a socket that has not answered the previous ping is dropped. */
  readonly pingIntervalMs: number;
  /**
   * The answer for an upgrade to a path no socket route serves, in the shape of the protocol
   * that owns the path (as its HTTP routes answer); null or absent: a plain-text 404.
   */
  readonly notFound?: (method: string, pathname: string) => UpgradeRejection | null;
  /** The client's address behind trusted proxies (http/client-address.ts); absent: the socket's peer. */
  readonly clientAddress?: (req: IncomingMessage) => string;
}

/** The WebSocket gateway: one ws server in noServer mode behind an HTTP listener. */
export interface Gateway {
  /** Take over the listener's upgrade requests. */
  attach(server: Server): void;
  /** Live connections on this listener. */
  readonly size: number;
  /** Close every socket with 1001 and stop; resolves when their handlers have finished. */
  close(): Promise<void>;
}

/** A gateway for one listener; call attach(server) to take over its upgrade requests. */
export function createGateway(options: GatewayOptions): Gateway {
  const { hub, routes, logger } = options;
  const maxPayload = Math.max(...routes.map((r) => r.maxPayload), 1024);
  // The client's offered subprotocol is chosen during accept(); ws asks for it later through
  // handleProtocols, so the decision waits here, keyed by the request.
  const chosenProtocol = new WeakMap<IncomingMessage, string | false>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    perMessageDeflate: false, // frames are built once and shared; compression would make them per-socket
    clientTracking: false,
    handleProtocols: (_offered, req) => chosenProtocol.get(req) ?? false,
  });

  /** This listener's sockets, with the route each one speaks. */
  const live = new Map<WsConnection, AnySocketRoute>();
  const draining = new Set<WsConnection>();
  let closing = false;

  // One timer per ping interval in use. A connection is pinged on its route's interval and
  // dropped once it has shown no sign of life (pong or message) for the route's pong timeout.
  const intervalOf = (r: AnySocketRoute) => r.pingIntervalMs ?? options.pingIntervalMs;
  const intervals = new Set(routes.map(intervalOf));
  const pingers = [...intervals].map((interval) => {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const [conn, route] of live) {
        if (intervalOf(route) !== interval) continue;
        if (now - conn.lastSeen > (route.pongTimeoutMs ?? 2 * interval)) {
          conn.ws.terminate(); // silent for too long: the peer is gone
          continue;
        }
        conn.ws.ping();
      }
    }, interval);
    timer.unref();
    return timer;
  });

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', (e) => logger.debug({ err: e }, 'upgrade socket error'));
    if (closing) return rejectRaw(socket, plain(503));
    // Split by hand: `new URL` throws on request targets such as `//` or `//[`.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    let route: AnySocketRoute | undefined;
    let params: Record<string, string> | null = null;
    for (const r of routes) {
      params = r.match(pathname);
      if (params) {
        route = r;
        break;
      }
    }
    if (!route || !params) return rejectRaw(socket, options.notFound?.(req.method ?? 'GET', pathname) ?? plain(404));
    // Refuse what ws would refuse anyway before the protocol does any work (or creates anything).
    if (req.method !== 'GET' || !req.headers['sec-websocket-key'] || req.headers['upgrade']?.toLowerCase() !== 'websocket') return rejectRaw(socket, plain(400));
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    let decision;
    try {
      decision = await route.accept({ pathname, params, query, headers: req.headers, offeredProtocols: offered, remoteAddress: options.clientAddress ? options.clientAddress(req) : req.socket.remoteAddress ?? '' });
    } catch (e) {
      logger.error({ err: e, protocol: route.protocol }, 'upgrade failed');
      return rejectRaw(socket, plain(500));
    }
    if ('reject' in decision) return rejectRaw(socket, decision.reject);
    chosenProtocol.set(req, decision.accept.subprotocol ?? false);
    const chosenRoute = route;
    const acceptance = decision.accept;
    wss.handleUpgrade(req, socket, head, (ws) => open(ws, chosenRoute, acceptance));
  }

  function open(ws: import('ws').WebSocket, route: AnySocketRoute, acceptance: UpgradeAcceptance<never>): void {
    const conn = new WsConnection(ws);
    const session = hub.open(conn, route, acceptance.state);
    live.set(conn, route);
    const onError = (e: unknown) => {
      // A refusal the protocol did not answer itself closes as a policy violation, quietly; only
      // unexpected failures are errors worth a log line (and a 1011).
      if (isChatError(e) && e.code !== 'INTERNAL') {
        logger.debug({ code: e.code, protocol: route.protocol, conn: session.id }, 'socket refused');
        return conn.close(CloseCode.POLICY_VIOLATION, e.code);
      }
      logger.error({ err: e, protocol: route.protocol, conn: session.id }, 'socket handler failed');
      conn.close(CloseCode.INTERNAL_ERROR, 'internal error');
    };
    let handler: SocketHandler | null = null;
    // Registered first, so a session whose handler cannot even be built still leaves the hub.
    ws.once('close', () => {
      live.delete(conn);
      hub.detach(session);
      if (handler?.onClose) conn.enqueue(() => handler?.onClose?.(), onError);
      // Until its queued steps have run, the connection still holds work that shutdown must wait for.
      draining.add(conn);
      void conn.drained().then(() => draining.delete(conn));
    });
    ws.on('pong', () => (conn.lastSeen = Date.now()));
    ws.on('error', (e) => logger.debug({ err: e, conn: session.id }, 'socket error'));
    try {
      handler = acceptance.open(session as unknown as Connection<never>);
    } catch (e) {
      return onError(e);
    }
    const opened = handler;
    ws.on('message', (data, isBinary) => {
      // Once the server has closed the socket (the hub ended the session, say), nothing more the
      // client sends is acted on: ws keeps reading until the peer answers the close, and a
      // revoked client must not post meanwhile. What a client sent before closing itself still runs.
      if (conn.closedByServer) return;
      const buf = data as Buffer;
      if (buf.length > route.maxPayload) return conn.close(CloseCode.MESSAGE_TOO_BIG, 'message too big');
      conn.lastSeen = Date.now();
      session.countReceived();
      conn.enqueue(() => (conn.closedByServer ? undefined : opened.onMessage(buf, isBinary)), onError);
    });
    if (opened.onOpen) conn.enqueue(() => opened.onOpen?.(), onError);
  }

  return {
    attach(server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        onUpgrade(req, socket, head).catch((e: unknown) => {
          logger.error({ err: e }, 'upgrade handling failed');
          socket.destroy();
        });
      });
    },
    get size() {
      return live.size;
    },
    async close() {
      closing = true;
      for (const timer of pingers) clearInterval(timer);
      const conns = [...live.keys()];
      for (const conn of conns) conn.shutdown(CloseCode.GOING_AWAY, 'server shutting down');
      await Promise.all(conns.map((c) => new Promise<void>((resolve) => {
        if (c.ws.readyState === c.ws.CLOSED) return resolve();
        const timer = setTimeout(() => { c.ws.terminate(); resolve(); }, 2000);
        c.ws.once('close', () => { clearTimeout(timer); resolve(); });
      })));
      // Let handlers finish what they started (bounded), then drop what is still queued.
      const drains = [...conns, ...draining].map((c) => c.drained());
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref());
      await Promise.race([Promise.all(drains), deadline]);
      for (const c of [...conns, ...draining]) c.abandon();
      wss.close();
    },
  };
}

/** How long shutdown waits for handlers to finish what they started. */
const DRAIN_TIMEOUT_MS = 5_000;

const plain = (status: number): UpgradeRejection => ({ status, contentType: 'text/plain; charset=utf-8', body: STATUS_CODES[status] ?? '' });

/** Answer an upgrade request with a plain HTTP response and close the socket. */
function rejectRaw(socket: Duplex, r: UpgradeRejection): void {
  if (!socket.writable) return void socket.destroy();
  const body = Buffer.from(r.body, 'utf8');
  const head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}\r\nContent-Type: ${r.contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
