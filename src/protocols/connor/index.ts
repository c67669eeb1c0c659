import { notFoundFor } from '../not-found.js';
import { socketRoute, type ProtocolAdapter, type ProtocolContext, type UpgradeRejection } from '../protocol.js';
import { routeError } from './mapping.js';
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
    // Unknown paths and wrong methods under /api answer in the envelope (issue 9: also on an upgrade).
    notFound: notFoundFor({
      routes: { '/api/v1/users': ['POST'], '/api/v1/login': ['POST'], '/api/v1/messages': ['GET'] },
      patterns: [[/^\/api\/v1\/rooms\/[^/]+(?:\/users|\/ws|\/messages\/ws)?$/, ['GET']]],
      prefixes: ['/api/'],
      notFound: jsonAnswer(404, routeError('NOT_FOUND', 'Not Found')),
      methodNotAllowed: jsonAnswer(405, routeError('METHOD_NOT_ALLOWED', 'Method Not Allowed')),
    }),
  };
}

const jsonAnswer = (status: number, body: unknown): UpgradeRejection => ({ status, contentType: 'application/json; charset=UTF-8', body: JSON.stringify(body) });
