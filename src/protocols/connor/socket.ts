import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events.js';
import type { Conversation } from '../../core/model/conversation.js';
import { toUserId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import { CloseCode } from '../../gateway/close-codes.js';
import type { Logger } from '../../logger.js';
import type { Connection, SocketHandler, SocketRoute, UpgradeDecision, UpgradeRequest } from '../protocol.js';
import { decodeText } from './decode.js';
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
        // A token for an account that no longer exists is as good as a forged one.
        if (claimed.username !== '') principal = await core.users.principalFor(toUserId(claimed.id)).catch(notFoundAsInvalid);
      }
      const room = await core.conversations.openRoom(roomName);
      // Writers join before the upgrade, so a banned user is refused with 403 BANNED (§7).
      if (principal) await core.conversations.join(room.id, principal);
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
    if (principal) conn.identify(principal.id);
    let sessionId: string | null = null;
    return {
      async onOpen() {
        if (principal) sessionId = await core.presence.connect(principal, 'connor');
      },
      async onMessage(data) {
        // §8.4: read-only listeners that send, and writers that send a non-message, are dropped.
        const text = principal ? decodeText(data) : undefined;
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

const notFoundAsInvalid = (e: unknown): never => {
  throw toChatError(e).code === 'USER_NOT_FOUND' ? invalidToken() : e;
};
