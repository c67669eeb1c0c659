import { Type } from 'typebox';
import type { Core } from '../../core/core.js';
import { ChatError, toChatError } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events.js';
import type { Principal } from '../../core/model/principal.js';
import { CloseCode } from '../../gateway/close-codes.js';
import type { Connection, SocketHandler, SocketRoute } from '../protocol.js';
import { command, createCommandTable } from '../socket-commands.js';
import { TEXT_LIMITS, textLimitRefusal } from '../text-limits.js';
import { toChatId, toPostRefusal, toRefusalNotice, toTimestamp } from './mapping.js';
import type { ServerFrame } from './schemas.js';

/**
 * Largest inbound frame (the original set none; uvicorn's default is 16 MiB). It must carry the
 * longest text ChatCLI accepts (65,535 UTF-8 bytes) however the client escapes it in JSON: a
 * control character becomes `\u0001`, six bytes for one, and no byte of text ever needs more
 * (Python's ensure_ascii turns a 2-, 3- or 4-byte character into 6, 6 or 12 bytes). Six times the
 * text limit plus 4 KiB for the rest of the frame (type, chatID, key names) is ~388 KiB.
 */
export const MAX_FRAME_BYTES = 6 * TEXT_LIMITS.chatcli.max + 4096;
/** Closed with this when the first frame is not a valid `auth` (§6.1). */
const AUTH_FAILED = CloseCode.POLICY_VIOLATION;
/** Closed with this when a frame is not a JSON object (§6.5 our choice). */
const UNPARSEABLE = 1007;

const frame = (f: ServerFrame): string => JSON.stringify(f);

/** A ChatCLI socket: who authenticated on it, its presence session, and whether it was refused. */
interface ChatSocket {
  me: Principal | null;
  presenceId: string | null;
  /** The first frame failed: nothing after it is read. */
  refused: boolean;
}

/** A chat id as clients send it: a positive integer, or its digits as a string (§6.2). */
const ChatId = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+$' })]);

/** The fields of each frame a signed-in client may send (§6.2), by `type`; also what /asyncapi.json shows. */
export const ClientFrameFields = {
  join_chat: Type.Object({ chatID: ChatId }),
  leave_chat: Type.Object({ chatID: ChatId }),
  post_msg: Type.Object({ chatID: ChatId, text: Type.Optional(Type.String()) }),
  typing: Type.Object({ chatID: ChatId }),
  join_idle: Type.Object({}),
};

/** `wss://…/ws` on the ChatCLI listener (reference/chatcli.md §6). */
export function chatcliSocketRoute(deps: { core: Core }): SocketRoute<ChatSocket> {
  const { core } = deps;
  const me = (conn: Connection<ChatSocket>): Principal => conn.state.me!; // commands run only after auth

  // §6.2: the frames a signed-in client may send. A known frame with missing or malformed fields
  // is ignored, as the original ignores it; the core decides every right.
  const dispatch = createCommandTable<ChatSocket>({
    join_chat: command(ClientFrameFields.join_chat, async (conn, f) => {
      const chatId = toChatId(f.chatID)!;
      // Non-participants are ignored silently (§6.5 our choice). Checked again once subscribed:
      // a removal or ban between the check and the subscription would otherwise go unnoticed.
      if (!(await core.conversations.maySee(chatId, me(conn).id))) return;
      conn.subscribe(chatId);
      conn.listenBroadcasts();
      if (!(await core.conversations.maySee(chatId, me(conn).id))) conn.unsubscribe(chatId);
    }),
    leave_chat: command(ClientFrameFields.leave_chat, (conn, f) => conn.unsubscribe(toChatId(f.chatID)!)),
    // Every refusal (too long, empty, not a participant…) is answered twice: the error frame of
    // the later versions, then a new_message in the chat, the only frame the client shows (README).
    post_msg: command(ClientFrameFields.post_msg, async (conn, f) => {
      const chatId = toChatId(f.chatID)!;
      const text = f.text ?? '';
      try {
        const refusal = textLimitRefusal('chatcli', text);
        if (refusal !== null) throw new ChatError('INVALID_INPUT', refusal);
        await core.messages.send(me(conn), { conversationId: chatId, text });
      } catch (e) {
        const err = toChatError(e);
        if (err.code === 'INTERNAL') throw e; // the gateway logs it and closes with 1011
        const reason = toPostRefusal(err);
        conn.send(frame({ type: 'error', message: reason }));
        conn.send(frame(toRefusalNotice(chatId, reason, text, Date.now())));
      }
    }),
    typing: command(ClientFrameFields.typing, (conn, f) => core.conversations.typing(me(conn), toChatId(f.chatID)!)),
    join_idle: command(ClientFrameFields.join_idle, (conn) => conn.listenBroadcasts()),
  }, {
    // The original prints Python's None for a missing type.
    unknown: (conn, type) => conn.send(frame({ type: 'error', message: `Unknown action: ${typeof type === 'string' ? type : type === undefined || type === null ? 'None' : JSON.stringify(type)}` })),
    invalid: () => undefined,
    // post_msg answers its own refusals; the other commands' refusals are silent, as pinned (§6.2).
    failed(_conn, _type, e) {
      if (toChatError(e).code === 'INTERNAL') throw e; // the gateway logs it and closes with 1011
    },
  });

  /** The first frame (§6.1): `auth` with an access token, or the socket is closed. */
  async function authenticate(conn: Connection<ChatSocket>, msg: Record<string, unknown>): Promise<void> {
    const token = msg['token'];
    const refuse = () => {
      conn.state.refused = true;
      conn.close(AUTH_FAILED, 'authentication failed');
    };
    if (typeof token !== 'string' || token === '') return refuse();
    try {
      const { user, familyId } = await core.tokens.session(token);
      conn.state.me = { id: user.id, username: user.username, displayName: user.displayName, generation: user.tokenGeneration };
      // From now on a logout, a password reset or a disabled account ends this socket too.
      conn.identify({ userId: user.id, generation: user.tokenGeneration, familyId });
    } catch (e) {
      if (toChatError(e).code === 'INTERNAL') throw e;
      return refuse();
    }
    conn.state.presenceId = await core.presence.connect(conn.state.me, 'chatcli'); // announces user_status online first
    conn.send(frame({ type: 'auth_ack', status: 'ok' }));
  }

  function open(conn: Connection<ChatSocket>): SocketHandler {
    const state = conn.state;
    return {
      async onMessage(data, isBinary) {
        if (state.refused) return;
        const msg = parseObject(data, isBinary);
        if (!msg) {
          state.refused = state.me === null;
          return conn.close(state.me ? UNPARSEABLE : AUTH_FAILED, 'expected a JSON object');
        }
        if (state.me) await dispatch(conn, msg);
        else await authenticate(conn, msg);
      },
      async onClose() {
        if (state.me && state.presenceId !== null) await core.presence.disconnect(state.presenceId, state.me);
      },
    };
  }

  return {
    protocol: 'chatcli',
    listener: 'chatcli',
    match: (pathname) => (pathname === '/ws' ? {} : null),
    maxPayload: MAX_FRAME_BYTES,
    authenticatesInBand: true,
    slowConsumerCloseCode: CloseCode.TRY_AGAIN_LATER,
    accept: async () => ({ accept: { state: { me: null, presenceId: null, refused: false }, open } }),
    encode: encodeEvent,
  };
}

/** new_message, user_typing and user_status frames (§6.1–§6.3); other events are not shown. */
export function encodeEvent(event: DomainEvent): string | null {
  switch (event.type) {
    case 'message.created':
      return frame({
        type: 'new_message',
        messageID: event.message.id,
        chatID: event.message.conversationId,
        userID: event.author.id,
        username: event.author.username,
        message: event.message.text,
        timestamp: toTimestamp(event.message.createdAt),
      });
    case 'typing.started':
      return frame({ type: 'user_typing', username: event.user.username, chatID: event.audience.conversationId });
    case 'presence.changed':
      return frame({ type: 'user_status', username: event.user.username, online: event.online });
    default:
      return null;
  }
}

function parseObject(data: Buffer, isBinary: boolean): Record<string, unknown> | null {
  if (isBinary) return null;
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
