import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events.js';
import type { Principal } from '../../core/model/principal.js';
import { CloseCode } from '../../gateway/close-codes.js';
import type { Connection, SocketHandler, SocketRoute } from '../protocol.js';
import { toChatId, toTimestamp } from './mapping.js';
import type { ServerFrame } from './schemas.js';

/** Largest inbound frame; the original set none (uvicorn's default is 16 MiB). */
export const MAX_FRAME_BYTES = 65_536;
/** Closed with this when the first frame is not a valid `auth` (§6.1). */
const AUTH_FAILED = CloseCode.POLICY_VIOLATION;
/** Closed with this when a frame is not a JSON object (§6.5 our choice). */
const UNPARSEABLE = 1007;

const frame = (f: ServerFrame): string => JSON.stringify(f);

/** `wss://…/ws` on the ChatCLI listener (reference/chatcli.md §6). */
export function chatcliSocketRoute(deps: { core: Core }): SocketRoute {
  const { core } = deps;

  function session(conn: Connection): SocketHandler {
    let me: Principal | null = null;
    let sessionId: string | null = null;
    let refused = false; // the first frame failed: nothing after it is read

    async function authenticate(msg: Record<string, unknown>): Promise<void> {
      const token = msg['token'];
      const refuse = () => {
        refused = true;
        conn.close(AUTH_FAILED, 'authentication failed');
      };
      if (typeof token !== 'string' || token === '') return refuse();
      try {
        const user = await core.tokens.authenticate(token);
        me = { id: user.id, username: user.username, displayName: user.displayName };
      } catch (e) {
        if (toChatError(e).code === 'INTERNAL') throw e;
        return refuse();
      }
      sessionId = await core.presence.connect(me, 'chatcli'); // announces user_status online first
      conn.send(frame({ type: 'auth_ack', status: 'ok' }));
    }

    async function act(user: Principal, msg: Record<string, unknown>): Promise<void> {
      const type = msg['type'];
      const chatId = toChatId(msg['chatID']);
      switch (type) {
        case 'join_chat':
          // Non-participants are ignored silently (§6.5 our choice).
          if (chatId !== undefined && (await isMember(user, chatId))) {
            conn.subscribe(chatId);
            conn.listenBroadcasts();
          }
          return;
        case 'leave_chat':
          if (chatId !== undefined) conn.unsubscribe(chatId);
          return;
        case 'post_msg': {
          const text = msg['text'];
          if (chatId === undefined || typeof text !== 'string' || text === '') return; // ignored, as pinned
          try {
            await core.messages.send(user, { conversationId: chatId, text });
          } catch (e) {
            const err = toChatError(e);
            if (err.code === 'INTERNAL') throw e;
            conn.send(frame({ type: 'error', message: err.code === 'INVALID_INPUT' ? err.message : 'Access denied.' }));
          }
          return;
        }
        case 'typing':
          if (chatId !== undefined) await core.conversations.typing(user, chatId).catch((e: unknown) => {
            if (toChatError(e).code === 'INTERNAL') throw e;
          });
          return;
        case 'join_idle':
          conn.listenBroadcasts();
          return;
        default:
          // The original prints Python's None for a missing type.
          conn.send(frame({ type: 'error', message: `Unknown action: ${typeof type === 'string' ? type : type === undefined || type === null ? 'None' : JSON.stringify(type)}` }));
      }
    }

    async function isMember(user: Principal, chatId: Parameters<Core['conversations']['checkMember']>[0]): Promise<boolean> {
      try {
        await core.conversations.checkMember(chatId, user.id);
        return true;
      } catch (e) {
        if (toChatError(e).code === 'INTERNAL') throw e;
        return false;
      }
    }

    return {
      async onMessage(data, isBinary) {
        if (refused) return;
        const msg = parseObject(data, isBinary);
        if (!msg) {
          refused = me === null;
          return conn.close(me ? UNPARSEABLE : AUTH_FAILED, 'expected a JSON object');
        }
        if (me) await act(me, msg);
        else await authenticate(msg);
      },
      async onClose() {
        if (me && sessionId !== null) await core.presence.disconnect(sessionId, me);
      },
    };
  }

  return {
    protocol: 'chatcli',
    listener: 'chatcli',
    match: (pathname) => (pathname === '/ws' ? {} : null),
    maxPayload: MAX_FRAME_BYTES,
    slowConsumerCloseCode: CloseCode.TRY_AGAIN_LATER,
    accept: async () => ({ accept: { open: session } }),
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
