import { notFoundFor } from '../not-found.js';
import { socketRoute, type ProtocolAdapter, type ProtocolContext } from '../protocol.js';
import { connorRoutes } from './routes.js';
import { connorSocketRoute } from './socket.js';
import { createConnorTokens } from './tokens.js';

/** The chat.connor.fun API (reference/connor.md): accounts, JWT login, per-room WebSocket. */
export function createConnorProtocol(ctx: ProtocolContext & { readonly jwtSecret: string }): ProtocolAdapter {
  const tokens = createConnorTokens(ctx.jwtSecret);
  const deps = { core: ctx.core, tokens, logger: ctx.logger };
  return {
    name: 'connor',
    routes: connorRoutes(deps),
    sockets: [socketRoute(connorSocketRoute(deps))],
    // Echo's default answers for the API's paths.
    notFound: notFoundFor({
      routes: { '/api/v1/users': ['POST'], '/api/v1/login': ['POST'] },
      patterns: [[/^\/api\/v1\/rooms\/[^/]+\/messages\/ws$/, ['GET']]],
      prefixes: ['/api/'],
      notFound: { status: 404, contentType: 'application/json; charset=UTF-8', body: '{"message":"Not Found"}' },
      methodNotAllowed: { status: 405, contentType: 'application/json; charset=UTF-8', body: '{"message":"Method Not Allowed"}' },
    }),
  };
}
