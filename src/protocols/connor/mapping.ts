import { ChatError, type ErrorCode } from '../../core/errors.js';
import type { Message } from '../../core/model/message.js';
import type { EventAuthor } from '../../core/events.js';
import { CONNOR_ERRORS } from './errors.js';
import type { Envelope, WireMessage, WireUser } from './schemas.js';

/** `{id, username}` of a user or message author. */
export const toWireUser = (u: { readonly id: number; readonly username: string }): WireUser => ({ id: u.id, username: u.username });

/** A stored message as the broadcast shows it; createTime in unix seconds (§8.3). */
export const toWireMessage = (m: Message, author: EventAuthor): WireMessage => ({
  sender: toWireUser(author),
  text: m.text,
  createTime: Math.floor(m.createdAt / 1000),
});

/** The success envelope. */
export const ok = <T>(data: T): Envelope<T> => ({ error: null, data });

/** The error envelope with its status for a core error code. */
export function toWireError(code: ErrorCode, message: string): { status: number; body: Envelope<never> } {
  const e = CONNOR_ERRORS[code];
  const text = e.message ?? message;
  return { status: e.status, body: { error: { type: e.type, Type: e.type, message: text }, data: null } };
}

/** BAD_BINDING with a binder-style message, for bodies that do not parse or fit the schema (§4). */
export function badBinding(message: string): { status: number; body: Envelope<never> } {
  return toWireError('INVALID_INPUT', message);
}

/** The error every unusable token becomes (§6). */
export const invalidToken = (): ChatError => new ChatError('INVALID_TOKEN', 'Invalid Token');
