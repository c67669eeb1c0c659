import Type from 'typebox';
import type { ChannelDocs } from '../route-docs.js';
import { WireMessageSchema } from './openapi.js';

const description =
  'One room per socket (reference/connor.md §8). The JWT of /api/v1/login is the first offered subprotocol ' +
  '(`new WebSocket(url, jwt)`) and is echoed back; without one the socket is a read-only listener, and ' +
  'an invalid one is refused with 400 INVALID_AUTH_TOKEN before the upgrade. A listener that sends, or a ' +
  'writer that sends anything but a message object, is disconnected; frames over 512 bytes close with 1009.';
const receives = {
  message: { summary: 'Post a message to the room (writers only).', payload: Type.Object({ text: Type.String() }, { description: '`sender` and `createTime` are ignored; `null` and `{}` post an empty text.' }) },
};
const sends = {
  messages: { summary: 'A new message in the room, the sender\'s own included: a one-element array.', payload: Type.Array(WireMessageSchema) },
};

/** The connor room socket, at its path and at the shorter path later versions used (§8). */
export const connorChannels: readonly ChannelDocs[] = [
  { id: 'connorRoom', address: '/api/v1/rooms/{room}/messages/ws', listener: 'main', title: 'connor room', description, parameters: { room: 'The room name (any non-empty segment).' }, receives, sends },
  { id: 'connorRoomShort', address: '/api/v1/rooms/{room}/ws', listener: 'main', title: 'connor room (short path)', description, parameters: { room: 'The room name (any non-empty segment).' }, receives, sends },
];
