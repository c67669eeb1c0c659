import { socketRoute, type ProtocolAdapter, type ProtocolContext } from '../protocol.js';
import { trueconfRoutes } from './routes.js';
import { trueconfSocketRoute } from './socket.js';
import { createTrueconfTokens } from './tokens.js';

/** Settings the TrueConf Bridge adapter needs. */
export interface TrueconfOptions {
  readonly jwtSecret: string;
  readonly tokenTtlSeconds: number;
  readonly domain: string;
  readonly unreadCap: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** Base URL of download links (the main listener's own URL unless configured). */
  readonly publicUrl: () => string;
  /** Folder where uploads are written while they arrive (in the data dir: /tmp may be RAM). */
  readonly uploadSpoolDir: string;
}

/** The TrueConf chatbot API (reference/trueconf.md): password grant → JWT, request/response/event socket. */
export function createTrueconfProtocol(ctx: ProtocolContext & TrueconfOptions): ProtocolAdapter {
  const tokens = createTrueconfTokens(ctx.jwtSecret, ctx.tokenTtlSeconds);
  return {
    name: 'trueconf',
    routes: trueconfRoutes({ core: ctx.core, tokens, domain: ctx.domain, logger: ctx.logger, spoolDir: ctx.uploadSpoolDir }),
    sockets: [socketRoute(trueconfSocketRoute({ core: ctx.core, tokens, domain: ctx.domain, unreadCap: ctx.unreadCap, pingIntervalMs: ctx.pingIntervalMs, pongTimeoutMs: ctx.pongTimeoutMs, publicUrl: ctx.publicUrl, logger: ctx.logger }))],
  };
}
