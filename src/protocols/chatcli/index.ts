import type { ProtocolAdapter, ProtocolContext } from '../protocol.js';
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
    sockets: [chatcliSocketRoute({ core: ctx.core })],
  };
}
