import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { toUserId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import type { User } from '../../core/model/user.js';
import type { Logger } from '../../logger.js';
import { envelope, text, toChatId, toWireMessage } from './mapping.js';
import { flaskError } from './pages.js';
import { documented } from '../route-docs.js';
import { chatcliDocs } from './openapi.js';
import { answerWith, chatcliErrorHandler, fail } from './reply.js';
import type { WireChat } from './schemas.js';

type Body = Record<string, unknown>;
const HTML = 'text/html; charset=utf-8';
const toPrincipal = (u: User): Principal => ({ id: u.id, username: u.username, displayName: u.displayName });

/**
 * The chat routes (reference/chatcli.md §5.9): JSON bodies parsed strictly (wrong content type →
 * Flask's HTML 415, malformed JSON → HTML 400, over the limit → HTML 413), the session token in the body.
 */
export function chatRoutes(deps: { core: Core; logger: Logger }) {
  const { core, logger } = deps;
  const answer = answerWith(logger);

  /** The caller behind `session_token`, or null after answering the route's bad-token error. */
  async function caller(reply: FastifyReply, token: string, badToken: readonly [number, string], response: unknown = ''): Promise<Principal | null> {
    try {
      return toPrincipal(await core.tokens.authenticate(token));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'INVALID_TOKEN' || code === 'TOKEN_EXPIRED' || code === 'USER_DISABLED' || code === 'BANNED') {
        await reply.code(badToken[0]).send(envelope(badToken[0], badToken[1], response));
        return null;
      }
      throw e;
    }
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(chatcliErrorHandler(logger));
    // No body or a body that is not a JSON object: Flask's get_json() refuses it with 415.
    const json = (req: FastifyRequest, reply: FastifyReply): Body | null => {
      if (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body)) return req.body as Body;
      void reply.code(415).type(HTML).send(flaskError(415));
      return null;
    };

    /** GET /chat/ — index text. */
    app.get('/chat/', documented('chatcli', chatcliDocs.chatIndex), async (_req, reply) => reply.type(HTML).send("chat's index route"));

    /**
     * POST /chat/fetch-chats — the caller's direct chats with their other member (§5.9), and
     * whether that member is online now (the presence registry, shared by every node).
     */
    app.post('/chat/fetch-chats', documented('chatcli', chatcliDocs.fetchChats), async (req, reply) => {
      const body = json(req, reply);
      if (!body) return reply;
      const me = await caller(reply, text(body, 'session_token') ?? '', [401, 'Unable to verify user!'], []);
      if (!me) return reply;
      const chats: WireChat[] = await Promise.all((await core.conversations.directChats(me.id)).map(async (c) => ({
        chatID: c.conversation.id,
        name: c.other.username,
        online: await core.presence.isOnline(c.other.id),
      })));
      return reply.send({ response: chats, status: 'ok' });
    });

    /** POST /chat/create-chat — a direct chat with `receiver`; the id is added as `chatID` (§5.9). */
    app.post('/chat/create-chat', documented('chatcli', chatcliDocs.createChat), async (req, reply) => {
      const body = json(req, reply);
      if (!body) return reply;
      const token = text(body, 'session_token');
      const receiverName = text(body, 'receiver');
      if (!token || !receiverName) return fail(reply, 400, 'Session token and receiver are required');
      const me = await caller(reply, token, [400, 'Unable to verify user!']);
      if (!me) return reply;
      const receiver = await core.users.findByUsername(receiverName);
      if (!receiver) return fail(reply, 400, 'Sender or receiver not found!');
      if (receiver.id === me.id) return fail(reply, 400, 'Cannot chat with yourself.');
      return answer(reply, () => core.conversations.createDirect(me, receiver.id), (c) => envelope(200, '', 'Chat created successfully!', { chatID: c.id }), {
        USER_NOT_FOUND: [400, 'Sender or receiver not found!'],
      });
    });

    /** POST /chat/messages — the newest `limit` messages, oldest first (§5.9). */
    app.post('/chat/messages', documented('chatcli', chatcliDocs.messages), async (req, reply) => {
      const body = json(req, reply);
      if (!body) return reply;
      const token = text(body, 'session_token');
      const chatId = toChatId(body['chatID']);
      if (!text(body, 'username') || !token || body['chatID'] === undefined || body['chatID'] === null || body['chatID'] === '') {
        return fail(reply, 400, 'username, session_token and chatID are required');
      }
      const limit = body['limit'] ?? 50;
      if (typeof limit !== 'number' || !Number.isInteger(limit)) return fail(reply, 400, 'limit must be an integer');
      if (limit < 1 || limit > 200) return fail(reply, 400, 'limit must be between 1 and 200');
      const me = await caller(reply, token, [401, 'Unable to verify user!']);
      if (!me) return reply;
      if (chatId === undefined) return fail(reply, 404, 'Chat not found or access denied');
      return answer(reply, async () => {
        const page = await core.messages.history(me, chatId, { limit, skipDeleted: true });
        const authors = await core.users.findMany(page.messages.map((m) => m.authorId));
        return page.messages.map((m) => toWireMessage(m, authors.get(toUserId(m.authorId))?.username ?? 'unknown'));
      }, (messages) => envelope(200, '', messages));
    });

    /** POST /chat/delete-chat — leave; the last one out deletes the chat and its messages (§5.9). */
    app.post('/chat/delete-chat', documented('chatcli', chatcliDocs.deleteChat), async (req, reply) => {
      const body = json(req, reply);
      if (!body) return reply;
      const token = text(body, 'session_token');
      if (!token || body['chatID'] === undefined || body['chatID'] === null || body['chatID'] === '') return fail(reply, 400, 'Session token and chatID are required');
      const me = await caller(reply, token, [401, 'Unable to verify user!']);
      if (!me) return reply;
      const chatId = toChatId(body['chatID']);
      if (chatId === undefined) return fail(reply, 404, 'Chat not found or access denied');
      return answer(reply, async () => {
        await core.conversations.checkMember(chatId, me.id);
        await core.conversations.leave(chatId, me);
      }, () => envelope(200, '', 'Chat deleted successfully!'));
    });
  };
}
