import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events.js';
import type { Conversation } from '../../core/model/conversation.js';
import type { Principal } from '../../core/model/principal.js';
import { CloseCode } from '../../gateway/close-codes.js';
import type { Logger } from '../../logger.js';
import type { Connection, SocketHandler, SocketRoute, UpgradeDecision, UpgradeRequest } from '../protocol.js';
import { decodeText } from './decode.js';
import { toWireError, toWireMessage } from './mapping.js';
import { principalOf } from './principal.js';
import type { ConnorTokens } from './tokens.js';

/** The pinned path (§8) and later versions' `/api/v1/rooms/<room>/ws` (§10), which the last official page opens. */
const PATH = /^\/api\/v1\/rooms\/([^/]+)\/(?:messages\/)?ws$/;
/** gorilla's read limit in the original (§8.4). */
export const MAX_FRAME_BYTES = 512;

/** A connor socket: one room, and the writer behind it (null for a read-only listener). */
interface RoomSocket {
  readonly roomName: string;
  /** null: an anonymous listener of a room nobody has written to yet (it is not created for them). */
  readonly room: Conversation | null;
  readonly principal: Principal | null;
}

/** GET /api/v1/rooms/<room>/messages/ws (reference/connor.md §8), also at /api/v1/rooms/<room>/ws. */
export function connorSocketRoute(deps: { core: Core; tokens: ConnorTokens; logger: Logger }): SocketRoute<RoomSocket> {
  const { core, tokens, logger } = deps;

  async function accept(req: UpgradeRequest): Promise<UpgradeDecision<RoomSocket>> {
    const roomName = req.params['room'] ?? '';
    // §8.1: the first offered subprotocol is the JWT; it is echoed back so browsers accept the socket.
    const token = req.offeredProtocols[0];
    try {
      const principal = token === undefined ? null : await principalOf(core, tokens, token);
      // Writers join before the upgrade, so a banned user is refused with 403 BANNED (§7).
      // Anonymous listeners create nothing durable: an unknown room is awaited, not made.
      const room = principal ? await core.conversations.openRoom(roomName) : await core.conversations.findRoom(roomName);
      if (principal && room) await core.conversations.join(room.id, principal);
      const state: RoomSocket = { roomName, room, principal };
      return { accept: { ...(token === undefined ? {} : { subprotocol: token }), state, open: roomSession } };
    } catch (e) {
      const err = toChatError(e);
      if (err.code === 'INTERNAL') throw e;
      const { status, body } = toWireError(err.code, err.message);
      return { reject: { status, contentType: 'application/json; charset=UTF-8', body: JSON.stringify(body) } };
    }
  }

  function roomSession(conn: Connection<RoomSocket>): SocketHandler {
    const { room, roomName, principal } = conn.state;
    // At once, so the client hears everything sent after its 101.
    if (room) conn.subscribe(room.id);
    else conn.awaitRoom(roomName);
    if (principal) conn.identify({ userId: principal.id, generation: principal.generation ?? 0, familyId: null });
    let sessionId: string | null = null;
    return {
      async onOpen() {
        if (principal && room) {
          // A ban between the join at the upgrade and the subscription above was announced before
          // the hub knew of this socket: checked again now that any later one will evict it.
          if (!(await core.conversations.maySee(room.id, principal.id))) return conn.close(CloseCode.POLICY_VIOLATION, 'removed from the room');
          sessionId = await core.presence.connect(principal, 'connor');
        } else if (!room) {
          // The room may have been created between the lookup and awaitRoom.
          const created = await core.conversations.findRoom(roomName);
          if (created) conn.subscribe(created.id);
        }
      },
      async onMessage(data) {
        // §8.4: read-only listeners that send, and writers that send a non-message, are dropped.
        const text = principal && room ? decodeText(data) : undefined;
        if (!principal || !room || text === undefined) return conn.close();
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
    // The socket is the room: a writer who lost access to it (removed, banned) is disconnected.
    onEvicted: (conn) => conn.close(CloseCode.POLICY_VIOLATION, 'removed from the room'),
    accept,
    encode: encodeEvent,
  };
}

/** Only new messages reach connor clients, as a one-element array (§8.3). */
export function encodeEvent(event: DomainEvent): string | null {
  if (event.type !== 'message.created') return null;
  return JSON.stringify([toWireMessage(event.message, event.author)]);
}
