import Type from 'typebox';
import type { ChannelDocs } from '../route-docs.js';
import { ClientFrameFields } from './socket.js';

/*
 * The ChatCLI socket on its own listener (reference/chatcli.md §6). The client frames are the
 * socket's own schemas (socket.ts), each with its `type`.
 */

const withType = <K extends keyof typeof ClientFrameFields>(type: K) => Type.Object({ type: Type.Literal(type), ...ClientFrameFields[type].properties });
const message = { messageID: Type.Integer(), userID: Type.Integer(), username: Type.String(), message: Type.String(), timestamp: Type.String({ description: 'ISO-8601 UTC, e.g. 2025-07-14T12:34:56Z' }) };

/** `/ws` on ChatCLI's listener (its `/` answers the welcome page, any other path 404 `{"detail":"Not Found"}`). */
export const chatcliChannels: readonly ChannelDocs[] = [{
  id: 'chatcliSocket',
  address: '/ws',
  listener: 'chatcli',
  title: 'ChatCLI',
  description:
    'The first frame authenticates: `{"type": "auth", "token": <access token of /user/login>}`. A missing or unusable token ' +
    'closes the socket with 1008 without a frame, and a socket that has not authenticated within the deadline is closed. ' +
    'Then the client joins chats and posts; frames with another `type` are answered `Unknown action: <type>`.',
  receives: {
    auth: { summary: 'Authenticate (first frame).', payload: Type.Object({ type: Type.Optional(Type.Literal('auth')), token: Type.String() }) },
    join_chat: { summary: 'Receive a chat\'s messages and typing notices (participants only; others are ignored).', payload: withType('join_chat') },
    leave_chat: { summary: 'Stop receiving a chat.', payload: withType('leave_chat') },
    post_msg: { summary: 'Post to a chat; a refusal is answered with `error` and a notice `new_message`.', payload: withType('post_msg') },
    typing: { summary: 'Tell a chat\'s subscribers you are typing.', payload: withType('typing') },
    join_idle: { summary: 'Receive presence (`user_status`) without joining a chat.', payload: withType('join_idle') },
  },
  sends: {
    auth_ack: { summary: 'Authenticated.', payload: Type.Object({ type: Type.Literal('auth_ack'), status: Type.Literal('ok') }) },
    new_message: { summary: 'A message in a joined chat.', payload: Type.Object({ type: Type.Literal('new_message'), chatID: Type.Integer(), ...message }) },
    user_typing: { summary: 'Someone types in a joined chat.', payload: Type.Object({ type: Type.Literal('user_typing'), username: Type.String(), chatID: Type.Integer() }) },
    user_status: { summary: 'Someone came online or went offline.', payload: Type.Object({ type: Type.Literal('user_status'), username: Type.String(), online: Type.Boolean() }) },
    error: { summary: 'An unknown action, or a refused post.', payload: Type.Object({ type: Type.Literal('error'), message: Type.String() }) },
  },
}];
