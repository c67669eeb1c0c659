import { notFoundFor } from '../not-found.js';
import { socketRoute, type ProtocolAdapter, type ProtocolContext } from '../protocol.js';
import { flaskError } from './pages.js';
import { chatcliRoutes } from './routes.js';
import { chatcliSocketRoute } from './socket.js';

/**
 * The ChatCLI / chat.puam.be API (reference/chatcli.md): accounts with e-mail verification,
 * opaque rotating tokens, direct chats over REST, and a WebSocket on its own listener.
 */
export function createChatcliProtocol(ctx: ProtocolContext & { readonly publicUrl: () => string }): ProtocolAdapter {
  return {
    name: 'chatcli',
    routes: chatcliRoutes({ core: ctx.core, logger: ctx.logger, publicUrl: ctx.publicUrl }),
    sockets: [socketRoute(chatcliSocketRoute({ core: ctx.core }))],
    // Flask's HTML 404 and 405 (§3), for the paths that are ChatCLI's on a shared listener.
    notFound: notFoundFor({
      routes: ROUTES,
      prefixes: ['/user/', '/chat/'],
      notFound: { status: 404, contentType: 'text/html; charset=utf-8', body: flaskError(404) },
      methodNotAllowed: { status: 405, contentType: 'text/html; charset=utf-8', body: flaskError(405) },
    }),
  };
}

/** Every ChatCLI path with its methods (§4). */
const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/verify-connection': ['GET', 'POST'],
  '/subscribe': ['GET', 'POST'],
  '/user/': ['GET'],
  '/user/register': ['POST'],
  '/user/verify-email': ['POST'],
  '/user/login': ['POST'],
  '/user/refresh-token': ['GET', 'POST'],
  '/user/reset-password-request': ['POST'],
  '/user/reset-password': ['GET', 'POST'],
  '/user/logout': ['POST'],
  '/user/logout-all': ['POST'],
  '/user/change-password': ['POST'],
  '/chat/': ['GET'],
  '/chat/fetch-chats': ['POST'],
  '/chat/create-chat': ['POST'],
  '/chat/messages': ['POST'],
  '/chat/delete-chat': ['POST'],
};
