/** Branded integer ids: a raw number never crosses into the core unnamed. */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A user's id: positive integer, assigned by the store in creation order. */
export type UserId = Brand<number, 'UserId'>;
/** A conversation's id (room, direct or group). */
export type ConversationId = Brand<number, 'ConversationId'>;
/** A message's id: one server-wide, strictly increasing integer sequence. */
export type MessageId = Brand<number, 'MessageId'>;

export const toUserId = (n: number): UserId => n as UserId;
export const toConversationId = (n: number): ConversationId => n as ConversationId;
export const toMessageId = (n: number): MessageId => n as MessageId;
