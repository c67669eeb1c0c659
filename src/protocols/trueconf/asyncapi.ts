import Type from 'typebox';
import type { ChannelDocs } from '../route-docs.js';
import { METHODS } from './methods.js';

/*
 * The TrueConf bot socket (reference/trueconf.md §1–§4): every frame is `{type, id, method?,
 * payload?}`; both sides send requests (type 1) and answer the other's with a response (type 2)
 * on the same id. The methods a client may call are the ones methods.ts serves.
 */

const Id = Type.Integer({ minimum: 1, maximum: 4294967295, description: 'Chosen by the sender of the request; a response carries the request\'s id.' });
const ErrorPayload = Type.Object({ errorCode: Type.Integer({ description: '200 not authenticated, 203 credentials expired, 104 unknown method, 2 id in flight, …' }), errorDescription: Type.Optional(Type.String()) });
const EVENTS = ['sendMessage', 'editMessage', 'removeMessage', 'createP2PChat', 'createGroupChat', 'createChannel', 'createFavoritesChat', 'addChatParticipant', 'removeChatParticipant', 'changeParticipantRole', 'removeChat', 'editChatTitle', 'editChatAvatar', 'clearHistory', 'getFileUploadLimits', 'uploadFileProgress'];
const names = (list: readonly string[]) => Type.Union(list.map((m) => Type.Literal(m)));

/** The bot socket on the main listener, with and without the trailing slash. */
export const trueconfChannels: readonly ChannelDocs[] = [{
  id: 'trueconfChatBot',
  address: '/websocket/chat_bot',
  listener: 'main',
  title: 'TrueConf chat bot',
  description:
    'Also at `/websocket/chat_bot/`. Subprotocol `json.v1` is echoed when offered; none is needed. The first request must be ' +
    '`auth` with the token of POST /bridge/api/client/v1/oauth/token; any other request before it is answered errorCode 200, ' +
    'and a socket that has not authenticated within the deadline is closed. Every server request must be acknowledged with `{type: 2, id}`.',
  receives: {
    auth: {
      summary: 'Authenticate with the OAuth token.',
      payload: Type.Object({ type: Type.Literal(1), id: Id, method: Type.Literal('auth'), payload: Type.Object({ token: Type.String(), tokenType: Type.Optional(Type.String()), receiveUnread: Type.Optional(Type.Boolean()), receiveSystemMessageEnvelopes: Type.Optional(Type.Boolean()) }) }),
    },
    request: {
      summary: 'Call a method (chats, messages, files, participants).',
      payload: Type.Object({ type: Type.Literal(1), id: Id, method: names(Object.keys(METHODS)), payload: Type.Optional(Type.Object({}, { additionalProperties: true })) }),
    },
    acknowledgement: { summary: 'Acknowledge a server request (marks a message read).', payload: Type.Object({ type: Type.Literal(2), id: Id, payload: Type.Optional(Type.Object({})) }) },
  },
  sends: {
    response: {
      summary: 'The answer to a client request, on its id: the method\'s result, or an error.',
      payload: Type.Object({ type: Type.Literal(2), id: Id, payload: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), ErrorPayload])) }),
    },
    event: {
      summary: 'An event, sent as a server request: new, edited and removed messages, chats and participants, upload limits and progress.',
      payload: Type.Object({ type: Type.Literal(1), id: Id, method: names(EVENTS), payload: Type.Object({}, { additionalProperties: true, description: '`sendMessage` carries a message envelope (§4).' }) }),
    },
  },
}];
