import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import { toConversationId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import type { Logger } from '../../logger.js';
import type { ConnorTokens } from './tokens.js';
import { badBinding, ok, routeError, toWireError, toWireLoginUser, toWireMessage, toWireUser } from './mapping.js';
import { principalOf } from './principal.js';
import { documented, validated } from '../route-docs.js';
import { withRetryAfter } from '../retry-after.js';
import { connorDocs } from './openapi.js';
import { type WireRoom } from './schemas.js';

const JSON_TYPE = 'application/json; charset=UTF-8';
/** At most this many members in a room answer: the list is public, and a large room's would be huge. */
const MAX_LISTED_MEMBERS = 1000;
const send = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).type(JSON_TYPE).send(body);

/** The connor HTTP surface (reference/connor.md §3–§8), in its own Fastify scope. */
export function connorRoutes(deps: { core: Core; tokens: ConnorTokens; logger: Logger }) {
  const { core, tokens, logger } = deps;
  return async function routes(scope: FastifyInstance): Promise<void> {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.setValidatorCompiler(TypeBoxValidatorCompiler);

    // The caller behind a bearer token, for the routes that read as somebody.
    const readers = new WeakMap<FastifyRequest, Principal>();

    // §6: an unusable Authorization bearer token is refused before any handler runs: forged,
    // expired, revoked since (password change, `parley user revoke`), or of a disabled or banned account.
    app.addHook('onRequest', async (req, reply) => {
      const auth = req.headers.authorization;
      if (auth === undefined || !/^bearer /i.test(auth)) return;
      try {
        const principal = await principalOf(core, tokens, auth.slice(7).trim());
        if (principal) readers.set(req, principal);
      } catch (e) {
        const err = toChatError(e);
        if (err.code === 'INTERNAL') throw e;
        const { status, body } = toWireError(err.code, 'Invalid Token');
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
      return send(withRetryAfter(reply, chatError), status, body);
    });

    /** POST /api/v1/users — create a user (§4): 201 `{id, username}`. */
    app.post('/api/v1/users', validated('connor', connorDocs.createUser), async (req, reply) => {
      const { username, secret, invite } = req.body;
      const user = await core.invites.signUp(invite || undefined, {
        username,
        origin: { address: req.ip },
        check: () => core.accounts.checkRegistration({ username, password: secret }),
        create: () => core.users.register({ username, password: secret }),
      });
      return send(reply, 201, ok(toWireUser(user)));
    });

    /** POST /api/v1/login — check credentials, answer a 72 h JWT (§5, §6). */
    app.post('/api/v1/login', validated('connor', connorDocs.login), async (req, reply) => {
      const user = await core.users.authenticate(req.body.username, req.body.secret, { address: req.ip });
      return send(reply, 200, ok({ token: await tokens.issue(user), user: toWireLoginUser(user) }));
    });

    /** GET /api/v1/rooms/:room — a room by name, as later versions serve it (§10); 404 ROOM_DNE when nobody has written to it. */
    app.get('/api/v1/rooms/:room', documented('connor', connorDocs.room), async (req, reply) => {
      const room = await core.conversations.findRoom((req.params as { room: string }).room);
      if (!room) return send(reply, 404, routeError('ROOM_DNE'));
      const members = await core.conversations.roomMembers(room.id, MAX_LISTED_MEMBERS);
      return send(reply, 200, ok<WireRoom>({ id: room.id, name: room.name ?? '', members: members.map(toWireUser) }));
    });

    /** GET /api/v1/rooms/:room/users — who is in the room (§10); [] for a room nobody has written to. */
    app.get('/api/v1/rooms/:room/users', documented('connor', connorDocs.roomUsers), async (req, reply) => {
      const room = await core.conversations.findRoom((req.params as { room: string }).room);
      const members = room ? await core.conversations.roomMembers(room.id, MAX_LISTED_MEMBERS) : [];
      return send(reply, 200, ok(members.map(toWireUser)));
    });

    /**
     * GET /api/v1/messages?room_id=&count= — a room's history, as later versions serve it (§10):
     * the newest `count` (all, up to the core's page limit, when count is absent or not a positive
     * number), oldest first. A room id that is not a room's answers [], like an unknown id.
     */
    app.get('/api/v1/messages', documented('connor', connorDocs.messages), async (req, reply) => {
      const query = req.query as Record<string, string | undefined>;
      const roomId = query['room_id'] ?? '';
      if (roomId === '' && (query['user_id'] ?? '') === '') return send(reply, 400, routeError('NO_QUERY'));
      // By author (`user_id`) is not served: Parley keeps no public index of a user's messages.
      if (!/^\d{1,15}$/.test(roomId) || query['user_id']) return send(reply, 400, routeError('BAD_QUERY'));
      const count = Number.parseInt(query['count'] ?? '', 10);
      const page = await core.messages.roomHistory(readers.get(req) ?? null, toConversationId(Number(roomId)), count > 0 ? count : Infinity);
      const authors = await core.users.findMany(page.messages.map((m) => m.authorId));
      const unknown = (id: number) => ({ id, username: '' });
      return send(reply, 200, ok(page.messages.map((m) => toWireMessage(m, authors.get(m.authorId) ?? unknown(m.authorId)))));
    });

    /** GET on a WebSocket path without an upgrade: gorilla's plain-text 400 (§8.1). */
    const notAnUpgrade = async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(400).header('sec-websocket-version', '13').type('text/plain; charset=utf-8').send('Bad Request\n');
    app.get('/api/v1/rooms/:room/messages/ws', documented('connor', connorDocs.notAnUpgrade('The room socket')), notAnUpgrade);
    app.get('/api/v1/rooms/:room/ws', documented('connor', connorDocs.notAnUpgrade('The room socket (short path)')), notAnUpgrade);
  };
}
