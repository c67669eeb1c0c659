import { ChatError, type ErrorCode } from '../../core/errors.js';
import type { Message } from '../../core/model/message.js';
import { CONNOR_ERRORS } from './errors.js';
import type { Envelope, WireLoginUser, WireMessage, WireUser } from './schemas.js';

/** `{id, username}` of a user or message author. */
export const toWireUser = (u: { readonly id: number; readonly username: string }): WireUser => ({ id: u.id, username: u.username });

/**
 * The user of a login answer: `{id, username}` and, as later versions answered (§10), its `roles`.
 * The last official page reads `roles[].name` to unlock its views; a Parley account that can log
 * in is verified, so it is a `normalUser` (and `anonUser`, as every account was), operators also `admin`.
 */
export const toWireLoginUser = (u: { readonly id: number; readonly username: string; readonly isOperator: boolean }): WireLoginUser => ({
  ...toWireUser(u),
  roles: [{ name: 'normalUser' }, { name: 'anonUser' }, ...(u.isOperator ? [{ name: 'admin' }] : [])],
});

/** A stored message as the broadcast and the history show it; createTime in unix seconds (§8.3), `id` as later versions (§10). */
export const toWireMessage = (m: Message, author: { readonly id: number; readonly username: string }): WireMessage => ({
  id: m.id,
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

/** An error of a route the core has no code for (ROOM_DNE, BAD_QUERY, NO_QUERY, NOT_FOUND...), in the envelope. */
export const routeError = (type: string, message = ''): Envelope<never> => ({ error: { type, Type: type, message }, data: null });

/** BAD_BINDING with a binder-style message, for bodies that do not parse or fit the schema (§4). */
export function badBinding(message: string): { status: number; body: Envelope<never> } {
  return toWireError('INVALID_INPUT', message);
}

/** The error every unusable token becomes (§6). */
export const invalidToken = (): ChatError => new ChatError('INVALID_TOKEN', 'Invalid Token');
