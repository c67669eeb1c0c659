import type { ProtocolAdapter, ProtocolContext } from '../protocol.js';
import { connorRoutes } from './routes.js';
import { connorSocketRoute } from './socket.js';
import { createConnorTokens } from './tokens.js';

/** The chat.connor.fun API (reference/connor.md): accounts, JWT login, per-room WebSocket. */
export function createConnorProtocol(ctx: ProtocolContext & { readonly jwtSecret: string }): ProtocolAdapter {
  const tokens = createConnorTokens(ctx.jwtSecret);
  const deps = { core: ctx.core, tokens, logger: ctx.logger };
  return { name: 'connor', routes: connorRoutes(deps), sockets: [connorSocketRoute(deps)] };
}
