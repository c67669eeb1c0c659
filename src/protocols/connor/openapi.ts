import Type, { type TSchema } from 'typebox';
import { jsonReply, textReply } from '../route-docs.js';
import { Credentials } from './schemas.js';

/*
 * The connor HTTP routes as the API documents describe them (reference/connor.md §3–§10). Every
 * answer is the `{error, data}` envelope (§3), `application/json; charset=UTF-8`.
 */

/** `{id, username}`. */
export const WireUserSchema = Type.Object({ id: Type.Integer(), username: Type.String() });

/** One message of a broadcast or a history page (§8.3, §10); `createTime` in unix seconds. */
export const WireMessageSchema = Type.Object({ id: Type.Integer(), sender: WireUserSchema, text: Type.String(), createTime: Type.Integer() });

const WireErrorSchema = Type.Object({
  type: Type.String({ description: 'BAD_BINDING, USER_CREATE_FAILED, USER_NOT_FOUND, PASSWORD_MATCH_FAILED, INVALID_AUTH_TOKEN, ROOM_DNE, BAD_QUERY, NO_QUERY, NOT_FOUND…' }),
  Type: Type.String({ description: 'The same as `type`, for clients written from the document\'s examples.' }),
  message: Type.String(),
});

const success = (data: TSchema) => Type.Object({ error: Type.Null(), data });
const failure = Type.Object({ error: WireErrorSchema, data: Type.Null() });
const fail = (description: string) => jsonReply(description, failure);
const RoomParams = Type.Object({ room: Type.String({ description: 'The room name.' }) });

/** Route schemas, by route. */
export const connorDocs = {
  createUser: {
    summary: 'Create an account',
    description: 'Registers `username` with the password `secret` (§4); `invite` is needed when registration is by invite.',
    body: Credentials,
    response: {
      201: jsonReply('The new user.', success(WireUserSchema)),
      400: fail('BAD_BINDING (body missing, not JSON, or a field empty), USER_CREATE_FAILED (taken), BAD_PASSWORD.'),
      403: fail('REGISTRATION_REFUSED (registration closed or the invite is not valid).'),
      413: jsonReply('Body over the limit: Echo\'s `{"message":"Request Entity Too Large"}`.', Type.Object({ message: Type.String() })),
      429: fail('RATE_LIMITED.'),
    },
  },
  login: {
    summary: 'Log in: a 72-hour JWT',
    description: 'Checks the credentials and answers a JWT (HS256, 72 h) to use as the WebSocket subprotocol (§5, §6).',
    body: Credentials,
    response: {
      200: jsonReply('The token and the user with its roles.', success(Type.Object({ token: Type.String(), user: Type.Object({ id: Type.Integer(), username: Type.String(), roles: Type.Array(Type.Object({ name: Type.String() })) }) }))),
      400: fail('BAD_BINDING or USER_NOT_FOUND.'),
      401: fail('PASSWORD_MATCH_FAILED.'),
      403: fail('BANNED or UNAUTHORIZED (e-mail not verified).'),
      429: fail('RATE_LIMITED.'),
    },
  },
  room: {
    summary: 'A room by name',
    description: 'The room with its members (at most 1000), as later versions serve it (§10). Its `id` is what `/api/v1/messages?room_id=` takes.',
    params: RoomParams,
    response: {
      200: jsonReply('The room.', success(Type.Object({ id: Type.Integer(), name: Type.String(), members: Type.Array(WireUserSchema) }))),
      404: fail('ROOM_DNE: nobody has written to this room.'),
    },
  },
  roomUsers: {
    summary: 'Who is in a room',
    description: 'The room\'s members (at most 1000); `[]` for a room nobody has written to (§10).',
    params: RoomParams,
    response: { 200: jsonReply('The members.', success(Type.Array(WireUserSchema))) },
  },
  messages: {
    summary: 'A room\'s history',
    description: 'The newest `count` messages of the room, oldest first (§10). A bearer token, when sent, reads as its user; an unusable one is refused with 400 INVALID_AUTH_TOKEN.',
    querystring: Type.Object({
      room_id: Type.Optional(Type.String({ description: 'The room id (decimal).' })),
      user_id: Type.Optional(Type.String({ description: 'Not served: answered 400 BAD_QUERY.' })),
      count: Type.Optional(Type.String({ description: 'How many of the newest messages; absent or not positive: all, up to the page limit.' })),
    }),
    response: {
      200: jsonReply('The messages, oldest first.', success(Type.Array(WireMessageSchema))),
      400: fail('NO_QUERY (neither room_id nor user_id), BAD_QUERY, INVALID_AUTH_TOKEN.'),
    },
  },
  notAnUpgrade: (which: string) => ({
    summary: `${which} without a WebSocket upgrade`,
    description: 'The room\'s WebSocket (see /asyncapi.json) requested as a plain GET: gorilla\'s plain-text 400 (§8.1).',
    params: RoomParams,
    response: { 400: textReply('`Bad Request` with `Sec-WebSocket-Version: 13`.') },
  }),
};
