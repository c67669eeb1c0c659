import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { Logger } from '../../logger.js';
import type { ConnorTokens } from './tokens.js';
import { badBinding, ok, toWireError, toWireUser } from './mapping.js';
import { Credentials } from './schemas.js';

const JSON_TYPE = 'application/json; charset=UTF-8';
const send = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).type(JSON_TYPE).send(body);

/** The connor HTTP surface (reference/connor.md §3–§8), in its own Fastify scope. */
export function connorRoutes(deps: { core: Core; tokens: ConnorTokens; logger: Logger }) {
  const { core, tokens, logger } = deps;
  return async function routes(scope: FastifyInstance): Promise<void> {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.setValidatorCompiler(TypeBoxValidatorCompiler);

    // §6: an invalid Authorization bearer token is refused before any handler runs.
    app.addHook('onRequest', async (req, reply) => {
      const auth = req.headers.authorization;
      if (auth === undefined || !/^bearer /i.test(auth)) return;
      try {
        await tokens.verify(auth.slice(7).trim());
      } catch (e) {
        const { status, body } = toWireError(toChatError(e).code, 'Invalid Token');
        return send(reply, status, body);
      }
    });

    app.setErrorHandler((err: FastifyError, _req, reply) => {
      // A body over the limit is refused before binding, as Echo's BodyLimit middleware does: 413
      // with its HTTPError body. The rest of the body is never read, so the connection is closed.
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply.header('connection', 'close'), 413, { message: 'Request Entity Too Large' });
      // Unparseable or ill-typed bodies are the binder's failures: 400 BAD_BINDING (§4).
      if (err.validation || err.code?.startsWith('FST_ERR_CTP_')) {
        const { status, body } = badBinding(`code=400, message=${err.message}`);
        return send(reply, status, body);
      }
      const chatError = toChatError(err);
      if (chatError.code === 'INTERNAL') logger.error({ err }, 'connor request failed');
      const { status, body } = toWireError(chatError.code, chatError.message);
      return send(reply, status, body);
    });

    /** POST /api/v1/users — create a user (§4): 201 `{id, username}`. */
    app.post('/api/v1/users', { schema: { body: Credentials } }, async (req, reply) => {
      const { username, secret, invite } = req.body;
      const user = await core.invites.signUp(invite || undefined, {
        origin: { address: req.ip },
        check: () => core.accounts.checkRegistration({ username, password: secret }),
        create: () => core.users.register({ username, password: secret }),
      });
      return send(reply, 201, ok(toWireUser(user)));
    });

    /** POST /api/v1/login — check credentials, answer a 72 h JWT (§5, §6). */
    app.post('/api/v1/login', { schema: { body: Credentials } }, async (req, reply) => {
      const user = await core.users.authenticate(req.body.username, req.body.secret, { address: req.ip });
      return send(reply, 200, ok({ token: await tokens.issue(user), user: toWireUser(user) }));
    });

    /** GET on the WebSocket path without an upgrade: gorilla's plain-text 400 (§8.1). */
    app.get('/api/v1/rooms/:room/messages/ws', async (_req, reply) =>
      reply.code(400).header('sec-websocket-version', '13').type('text/plain; charset=utf-8').send('Bad Request\n'));
  };
}
