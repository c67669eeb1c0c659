import type { Core } from '../../core/core.js';
import { ChatError, toChatError } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events.js';
import type { Conversation } from '../../core/model/conversation.js';
import { toUserId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import { CloseCode } from '../../gateway/close-codes.js';
import type { Logger } from '../../logger.js';
import type { Connection, SocketHandler, SocketRoute, UpgradeDecision, UpgradeRequest } from '../protocol.js';
import { invalidToken, toWireError, toWireMessage } from './mapping.js';
import type { ConnorTokens } from './tokens.js';

const PATH = /^\/api\/v1\/rooms\/([^/]+)\/messages\/ws$/;
/** gorilla's read limit in the original (§8.4). */
export const MAX_FRAME_BYTES = 512;

/** GET /api/v1/rooms/<room>/messages/ws (reference/connor.md §8). */
export function connorSocketRoute(deps: { core: Core; tokens: ConnorTokens; logger: Logger }): SocketRoute {
  const { core, tokens, logger } = deps;

  async function accept(req: UpgradeRequest): Promise<UpgradeDecision> {
    const roomName = req.params['room'] ?? '';
    // §8.1: the first offered subprotocol is the JWT; it is echoed back so browsers accept the socket.
    const token = req.offeredProtocols[0];
    let principal: Principal | null = null;
    try {
      if (token !== undefined) {
        const claimed = await tokens.verify(token);
        if (claimed.username !== '') principal = await toPrincipal(core, claimed.id);
      }
      const room = await core.conversations.openRoom(roomName);
      return { accept: { ...(token === undefined ? {} : { subprotocol: token }), open: (conn) => roomSession(conn, room, principal) } };
    } catch (e) {
      const err = toChatError(e);
      if (err.code === 'INTERNAL') throw e;
      const { status, body } = toWireError(err.code, err.message);
      return { reject: { status, contentType: 'application/json; charset=UTF-8', body: JSON.stringify(body) } };
    }
  }

  function roomSession(conn: Connection, room: Conversation, principal: Principal | null): SocketHandler {
    conn.subscribe(room.id); // at once, so the client hears everything sent after its 101
    let sessionId: string | null = null;
    return {
      async onOpen() {
        if (!principal) return;
        await core.conversations.join(room.id, principal);
        sessionId = await core.presence.connect(principal, 'connor');
      },
      async onMessage(data, isBinary) {
        // §8.4: read-only listeners that send, and writers that send a non-message, are dropped.
        const text = principal && !isBinary ? parseText(data) : undefined;
        if (!principal || text === undefined) return conn.close();
        try {
          await core.messages.send(principal, { conversationId: room.id, text });
        } catch (e) {
          const err = toChatError(e);
          if (err.code === 'INTERNAL') logger.error({ err: e }, 'connor send failed');
          conn.close(CloseCode.POLICY_VIOLATION, err.code);
        }
      },
      async onClose() {
        if (principal && sessionId !== null) await core.presence.disconnect(sessionId, principal);
      },
    };
  }

  return {
    protocol: 'connor',
    match(pathname) {
      const m = PATH.exec(pathname);
      if (!m?.[1]) return null;
      try {
        return { room: decodeURIComponent(m[1]) };
      } catch {
        return null;
      }
    },
    maxPayload: MAX_FRAME_BYTES,
    slowConsumerCloseCode: CloseCode.TRY_AGAIN_LATER,
    accept,
    encode: encodeEvent,
  };
}

/** Only new messages reach connor clients, as a one-element array (§8.3). */
export function encodeEvent(event: DomainEvent): string | null {
  if (event.type !== 'message.created') return null;
  return JSON.stringify([toWireMessage(event.message, event.author)]);
}

/** The user behind a verified token; a deleted or disabled account is refused. */
async function toPrincipal(core: Core, id: number): Promise<Principal> {
  const user = await core.users.findById(toUserId(id));
  if (!user) throw invalidToken(); // signed for an account that no longer exists
  if (user.isDisabled) throw new ChatError('USER_DISABLED', 'User banned');
  return { id: user.id, username: user.username, displayName: user.displayName };
}

/**
 * The text of a writer's frame, or undefined when the frame is not a message (§8.3, §8.4):
 * a JSON object whose `text`, if present, is a string; `null` and `{}` count as empty text.
 */
export function parseText(data: Buffer): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null) return '';
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const text = (value as { text?: unknown }).text;
  if (text === undefined) return '';
  return typeof text === 'string' ? text : undefined;
}
