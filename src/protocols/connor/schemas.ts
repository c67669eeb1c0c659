import Type, { type Static } from 'typebox';

/**
 * Wire shapes of the chat.connor.fun API (reference/connor.md). Empty strings are refused here
 * ([our choice] §4: missing or empty username/secret → 400 BAD_BINDING).
 */
export const Credentials = Type.Object({
  username: Type.String({ minLength: 1 }),
  secret: Type.String({ minLength: 1 }),
  /** [our choice] An invite code, needed when registration is by invite (issue #5). */
  invite: Type.Optional(Type.String()),
});
/** The body of `/api/v1/users` and `/api/v1/login`. */
export type Credentials = Static<typeof Credentials>;

/** `{id, username}` as in responses, JWT claims and message senders (§4, §6, §8.3). */
export interface WireUser {
  readonly id: number;
  readonly username: string;
}

/** The user of a login answer, with the roles later versions added (§10). */
export interface WireLoginUser extends WireUser {
  readonly roles: readonly { readonly name: string }[];
}

/** A room as later versions' `GET /api/v1/rooms/:room` answers it (§10); `id` is what `room_id` takes. */
export interface WireRoom {
  readonly id: number;
  readonly name: string;
  readonly members: readonly WireUser[];
}

/** One message as broadcast inside the frame's array (§8.3) and as history lists it (§10). */
export interface WireMessage {
  /** The message id: absent at the pinned commit, added by later versions (the last page keys its list by it). */
  readonly id: number;
  readonly sender: WireUser;
  readonly text: string;
  /** Unix seconds. */
  readonly createTime: number;
}

/** The error object: lowercase keys, plus `Type` for clients written from the document's examples (§3). */
export interface WireError {
  readonly type: string;
  readonly Type: string;
  readonly message: string;
}

/** The envelope every HTTP answer uses (§3). */
export type Envelope<T> = { readonly error: null; readonly data: T } | { readonly error: WireError; readonly data: null };
