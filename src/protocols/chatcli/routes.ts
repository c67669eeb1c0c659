import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../logger.js';
import { chatRoutes } from './chat-routes.js';
import { sessionRoutes } from './session-routes.js';
import { userRoutes } from './user-routes.js';

/** ChatCLI's HTTP surface: account routes and pages (lenient bodies), chat routes (strict JSON). */
export function chatcliRoutes(deps: { core: Core; logger: Logger; publicUrl: () => string }) {
  return async function routes(app: FastifyInstance): Promise<void> {
    await app.register(userRoutes(deps));
    await app.register(chatRoutes(deps));
    await app.register(sessionRoutes(deps));
  };
}
