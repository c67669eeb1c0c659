import { randomUUID } from 'node:crypto';
import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { AuthoredMessage, DomainEvent, EventAudience } from '../../core/events.js';
import type { ConversationId, MessageId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import { CloseCode } from '../../gateway/close-codes.js';
import type { Logger } from '../../logger.js';
import type { Connection, SocketHandler, SocketRoute } from '../protocol.js';
import { TC, TRUECONF_ERRORS } from './errors.js';
import { envelopesFor } from './envelopes.js';
import { fileUrl, toChat, toEditedContent, toEnvelope, toEnvelopeChat, usernameOf, type EnvelopeChat } from './mapping.js';
import { METHODS, MethodError, ROLE_TO_WIRE, uploadLimits } from './methods.js';
import type { TrueconfTokens } from './tokens.js';

const REQUEST = 1;
const RESPONSE = 2;
const MAX_ID = 4_294_967_295;
/** Largest inbound frame. */
export const MAX_FRAME_BYTES = 1_048_576;
/** Server requests remembered for their acknowledgement; older ones are forgotten. */
const MAX_PENDING_ACKS = 10_000;

/** Per-connection state: who the bot is, and the server's own request ids awaiting acks. */
interface BotSession {
  me: Principal | null;
  meId: string;
  /** Token expiry, unix seconds: requests after it get 203 (§1.5). */
  exp: number;
  nextId: number;
  /** Whether `auth` asked for system envelopes (receiveSystemMessageEnvelopes). */
  systemEnvelopes: boolean;
  /** Server request id → the message it delivered, marked read when acknowledged (§1.3). */
  readonly acks: Map<number, { conversationId: ConversationId; messageId: MessageId }>;
  /** The core presence session while authenticated, so other doors see the bot online (BareRTC only DMs online users). */
  presenceId: string | null;
}

const newSession = (): BotSession => ({ me: null, meId: '', exp: 0, nextId: 1, systemEnvelopes: false, acks: new Map(), presenceId: null });

/** `/websocket/chat_bot/` and `/websocket/chat_bot` on the main listener (reference/trueconf.md §0–§3). */
export function trueconfSocketRoute(deps: { core: Core; tokens: TrueconfTokens; domain: string; unreadCap: number; pingIntervalMs: number; pongTimeoutMs: number; publicUrl: () => string; logger: Logger }): SocketRoute<BotSession> {
  const { core, tokens, domain, logger } = deps;
  const idOf = (username: string) => `${username}@${domain}`;

  /** A server request (an event) with this connection's next id, remembering what it delivers. */
  function serverRequest(session: BotSession, method: string, payloadJson: string, delivered?: { conversationId: ConversationId; messageId: MessageId }): string {
    const id = session.nextId++;
    if (delivered) {
      session.acks.set(id, delivered);
      if (session.acks.size > MAX_PENDING_ACKS) session.acks.delete(session.acks.keys().next().value as number);
    }
    return `{"type":${REQUEST},"id":${id},"method":${JSON.stringify(method)},"payload":${payloadJson}}`;
  }
  const push = (conn: Connection, session: BotSession, method: string, payloadJson: string, delivered?: { conversationId: ConversationId; messageId: MessageId }) =>
    conn.send(serverRequest(session, method, payloadJson, delivered));

  const reply = (conn: Connection, id: number, payload: unknown) => conn.send(JSON.stringify({ type: RESPONSE, id, payload }));
  const fail = (conn: Connection, id: number, errorCode: number, errorDescription?: string) =>
    reply(conn, id, errorDescription === undefined ? { errorCode } : { errorCode, errorDescription });

  async function auth(conn: Connection, session: BotSession, id: number, payload: Record<string, unknown>): Promise<void> {
    if (payload['tokenType'] !== undefined && payload['tokenType'] !== 'JWT') return fail(conn, id, TC.UNSUPPORTED_CREDENTIALS, 'Unsupported token type');
    if (typeof payload['token'] !== 'string') return fail(conn, id, TC.INVALID_CREDENTIALS, 'Invalid credentials');
    let me: Principal;
    let exp: number;
    try {
      const claims = await tokens.verify(payload['token']);
      const user = await core.users.findByUsername(usernameOf(claims.sub, domain) ?? '');
      if (!user) return fail(conn, id, TC.INVALID_CREDENTIALS, 'Invalid credentials');
      // A token issued before the account's credentials were revoked answers 203 (expired).
      me = await core.users.principalFor(user.id, claims.generation);
      exp = claims.exp;
    } catch (e) {
      const err = toChatError(e);
      if (err.code === 'INTERNAL') throw e;
      return fail(conn, id, TRUECONF_ERRORS[err.code], err.message);
    }
    Object.assign(session, { me, meId: idOf(me.username), exp, systemEnvelopes: payload['receiveSystemMessageEnvelopes'] === true });
    conn.identify({ userId: me.id, generation: me.generation ?? 0, familyId: null });
    conn.watchUser(); // direct and group conversations
    // Its rooms, but not those it is banned from: a ban keeps the membership and hides the room (issue 8).
    const rooms: ConversationId[] = [];
    for (const c of await core.conversations.listForUser(me.id)) if (c.kind === 'room' && (await core.conversations.maySee(c.id, me.id))) rooms.push(c.id);
    for (const id of rooms) conn.subscribe(id);
    // A ban that landed between those checks and the subscriptions was announced before the hub
    // knew of them: checked again now that any later one will evict.
    for (const id of rooms) if (!(await core.conversations.maySee(id, me.id))) conn.unsubscribe(id);
    session.presenceId ??= await core.presence.connect(me, 'trueconf');
    reply(conn, id, { userId: session.meId, connectionId: randomUUID() });
    // The python client drops an event that arrives in the same read as the auth response, so
    // what follows goes out in a later write (§2.1).
    await new Promise((resolve) => setTimeout(resolve, 20));
    push(conn, session, 'getFileUploadLimits', JSON.stringify(uploadLimits(core)));
    if (payload['receiveUnread'] === true) {
      const unread = await core.messages.unread(me, deps.unreadCap);
      const envelopes = await envelopesFor({ core, me, domain }, unread, { replies: true });
      unread.forEach((m, i) => push(conn, session, 'sendMessage', JSON.stringify(envelopes[i]), { conversationId: m.conversationId, messageId: m.id }));
    }
  }

  async function request(conn: Connection, session: BotSession, id: number, method: string, payload: Record<string, unknown>): Promise<void> {
    if (method === 'auth') return auth(conn, session, id, payload);
    if (!session.me) return fail(conn, id, TC.NOT_AUTHORIZED, 'Not authorized');
    if (Date.now() / 1000 >= session.exp) return fail(conn, id, TC.CREDENTIALS_EXPIRED, 'Credentials expired');
    const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!handler) return fail(conn, id, TC.ROUTE_NOT_FOUND, `Unknown method ${method}`);
    const after: [string, unknown][] = [];
    try {
      const notify = (m: string, p: unknown) => void after.push([m, p]);
      reply(conn, id, (await handler({ core, me: session.me, domain, publicUrl: deps.publicUrl(), notify }, payload)) ?? {});
      for (const [m, p] of after) push(conn, session, m, JSON.stringify(p));
    } catch (e) {
      if (e instanceof MethodError) return fail(conn, id, e.errorCode, e.errorDescription);
      const err = toChatError(e);
      if (err.code === 'INTERNAL') logger.error({ err: e, method }, 'trueconf method failed');
      fail(conn, id, TRUECONF_ERRORS[err.code], err.code === 'INTERNAL' ? 'Internal server error' : err.message);
    }
  }

  function open(conn: Connection<BotSession>): SocketHandler {
    const session = conn.state;
    return {
      async onMessage(data) {
        let frame: unknown;
        try {
          frame = JSON.parse(data.toString('utf8'));
        } catch {
          return conn.close(1007, 'frames must be JSON');
        }
        if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return conn.close(1007, 'frames must be JSON objects');
        const { type, id, method, payload } = frame as Record<string, unknown>;
        if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) return; // nothing to answer on
        if (type === RESPONSE) {
          // An acknowledgement: the delivered message now counts as read (§1.3); never answered.
          const delivered = session.acks.get(id);
          session.acks.delete(id);
          if (delivered && session.me) await core.messages.markRead(session.me, delivered.conversationId, delivered.messageId).catch(() => undefined);
          return;
        }
        if (type !== REQUEST || typeof method !== 'string') return fail(conn, id, 103, 'Malformed request');
        const body = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
        await request(conn, session, id, method, body);
      },
      async onClose() {
        if (session.me && session.presenceId !== null) await core.presence.disconnect(session.presenceId, session.me);
      },
    };
  }

  return {
    protocol: 'trueconf',
    match: (pathname) => (pathname === '/websocket/chat_bot/' || pathname === '/websocket/chat_bot' ? {} : null),
    maxPayload: MAX_FRAME_BYTES,
    pingIntervalMs: deps.pingIntervalMs,
    pongTimeoutMs: deps.pongTimeoutMs,
    slowConsumerCloseCode: CloseCode.TRY_AGAIN_LATER,
    authenticatesInBand: true,
    // json.v1 is selected when offered; no header means plain json.v1 (§1.4).
    accept: async (req) => ({ accept: { ...(req.offeredProtocols.includes('json.v1') ? { subprotocol: 'json.v1' } : {}), state: newSession(), open } }),
    encode: (event) => encodeEvent(event, domain, (fileId) => fileUrl(deps.publicUrl(), fileId, core.files.capability(fileId))),
    frameFor(conn, encoded, event) {
      const session = conn.state;
      if (!session.me) return [];
      const method = METHOD_OF[event.type];
      if (!method) return [];
      const frames = framesFor(conn, session, session.me, method, encoded, event);
      // With receiveSystemMessageEnvelopes, membership changes also arrive as system envelopes (§2.1).
      const system = session.systemEnvelopes ? systemEnvelope(event, domain) : null;
      if (system) frames.push(serverRequest(session, 'sendMessage', JSON.stringify(system)));
      return frames;
    },
  };

  /** This connection's frames for an event: chats that appear for the bot, then the plain event. */
  function framesFor(conn: Connection, session: BotSession, me: Principal, method: string, encoded: string, event: DomainEvent): string[] {
    if (event.type === 'member.joined' && event.user.id === me.id) {
      // A chat has appeared for this bot: it gets the chat itself (§3), and listens to a room from now on.
      if (event.conversation.kind === 'room') conn.subscribe(event.conversation.id);
      // A P2P chat is titled after the other person, as getChatByID titles it.
      const title = event.conversation.kind === 'direct' ? event.addedBy?.displayName ?? '' : event.conversation.title || event.conversation.name || '';
      const last = event.lastMessage;
      const lastMessage = last ? toEnvelope(last.message, `${last.author.username}@${domain}`, { chat: chatOfAudience(event.audience) }) : null;
      const chat = toChat(event.conversation, title, 0, null, lastMessage);
      const method = { direct: 'createP2PChat', channel: 'createChannel', favorites: 'createFavoritesChat', group: 'createGroupChat', room: 'createGroupChat' }[event.conversation.kind];
      return [serverRequest(session, method, JSON.stringify(chat))];
    }
    if (event.type === 'member.joined' && event.audience.kind === 'direct') return []; // P2P chats have no participant events
    const delivered = event.type === 'message.created' ? { conversationId: event.message.conversationId, messageId: event.message.id } : undefined;
    return [serverRequest(session, method, encoded, delivered)];
  }
}

/**
 * The system envelope (types 1, 2, 21, 23, 110; author type 0) of a membership or chat change,
 * for bots that asked for them. Not stored: it has its own id and a box position of "0".
 */
export function systemEnvelope(event: DomainEvent, domain: string): Record<string, unknown> | null {
  const at = 'at' in event ? event.at : Date.now();
  if (!('audience' in event)) return null;
  // A rename's envelope already shows the new title.
  const chat = { ...chatOfAudience(event.audience), ...(event.type === 'conversation.renamed' ? { chatTitle: event.title } : {}) };
  const base = (chatId: number, type: number, content: Record<string, unknown>) => ({
    messageId: randomUUID(), chatId: String(chatId), timestamp: at, author: { id: domain, type: 0 }, box: { id: 0, position: '0' }, type, content, isEdited: false, chat,
  });
  const userId = (u: { username: string }) => `${u.username}@${domain}`;
  switch (event.type) {
    case 'member.joined':
      return event.audience.kind === 'direct' ? null : base(event.audience.conversationId, 1, { userId: userId(event.user), role: ROLE_TO_WIRE[event.role] });
    case 'member.left':
      return base(event.audience.conversationId, 2, { userId: userId(event.user) });
    case 'conversation.renamed':
      return base(event.audience.conversationId, 21, { title: event.title });
    case 'conversation.avatar_changed':
      return null; // type 22 content cannot be parsed by python-trueconf-bot v1.4 (§4); the editChatAvatar event says it
    case 'history.cleared':
      return base(event.audience.conversationId, 23, { forAll: event.forAll });
    case 'member.role_changed':
      return base(event.audience.conversationId, 110, { userId: userId(event.user), role: ROLE_TO_WIRE[event.role] });
    default:
      return null;
  }
}

const METHOD_OF: Partial<Record<DomainEvent['type'], string>> = {
  'message.created': 'sendMessage',
  'message.edited': 'editMessage',
  'message.deleted': 'removeMessage',
  'member.joined': 'addChatParticipant',
  'member.left': 'removeChatParticipant',
  'member.role_changed': 'changeParticipantRole',
  'conversation.renamed': 'editChatTitle',
  'conversation.avatar_changed': 'editChatAvatar',
  'conversation.deleted': 'removeChat',
  'history.cleared': 'clearHistory',
};
const by = (a: { username: string }, domain: string) => ({ id: `${a.username}@${domain}`, type: 1 });

/** The envelope `chat` (§4) of an event's conversation, from what the event carries. */
const chatOfAudience = (a: EventAudience): EnvelopeChat => toEnvelopeChat(a.conversationId, a.kind, a.title ?? '');

/** The payload of a server request for an event, once for every bot connection (§3). */
export function encodeEvent(event: DomainEvent, domain: string, avatarUrlOf: (fileId: string) => string): string | null {
  switch (event.type) {
    case 'message.created': {
      // Encoded once for every bot: the chat and the replied-to message read the same for all of
      // them (a reader who hid that message for itself still sees it quoted in a new reply).
      const chat = chatOfAudience(event.audience);
      const envelope = (m: AuthoredMessage, replyMessage?: Record<string, unknown> | null) => {
        const f = m.forwarded;
        return toEnvelope(m.message, `${m.author.username}@${domain}`, { chat, forwarded: f ? { message: f.message, authorTrueconfId: `${f.author.username}@${domain}` } : null, replyMessage });
      };
      return JSON.stringify(envelope(event, event.replyTo ? envelope(event.replyTo) : null));
    }
    case 'message.edited':
      return JSON.stringify({
        chatId: String(event.message.conversationId),
        messageId: String(event.message.id),
        timestamp: event.message.editedAt ?? event.message.createdAt,
        content: toEditedContent(event.message),
      });
    case 'message.deleted':
      return JSON.stringify({ chatId: String(event.audience.conversationId), messageId: String(event.messageId), removedBy: by(event.deletedBy, domain) });
    case 'member.joined':
      return JSON.stringify({ timestamp: event.at, chatId: String(event.audience.conversationId), userId: `${event.user.username}@${domain}`, addedBy: by(event.addedBy ?? event.user, domain) });
    case 'member.left':
      return JSON.stringify({ timestamp: event.at, chatId: String(event.audience.conversationId), userId: `${event.user.username}@${domain}`, removedBy: by(event.removedBy ?? event.user, domain) });
    case 'member.role_changed':
      return JSON.stringify({ timestamp: event.at, role: ROLE_TO_WIRE[event.role], chatId: String(event.audience.conversationId), userId: `${event.user.username}@${domain}` });
    case 'conversation.renamed':
      return JSON.stringify({ chatId: String(event.audience.conversationId), title: event.title });
    case 'conversation.avatar_changed':
      return JSON.stringify({ chatId: String(event.audience.conversationId), avatarUrl: avatarUrlOf(event.fileId) });
    case 'conversation.deleted':
      return JSON.stringify({ chatId: String(event.audience.conversationId) });
    case 'history.cleared':
      return JSON.stringify({ chatId: String(event.audience.conversationId), forAll: event.forAll });
    default:
      return null;
  }
}
