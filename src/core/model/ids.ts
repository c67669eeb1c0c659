/** Branded integer ids: a raw number never crosses into the core unnamed. */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A user's id: positive integer, assigned by the store in creation order. */
export type UserId = Brand<number, 'UserId'>;
/** A conversation's id (room, direct or group). */
export type ConversationId = Brand<number, 'ConversationId'>;
/** A message's id: one server-wide, strictly increasing integer sequence. */
export type MessageId = Brand<number, 'MessageId'>;

/** Brand a number the store or a verified token gave as a UserId. */
export const toUserId = (n: number): UserId => n as UserId;
/** Brand a number as a ConversationId (after the adapter has checked its shape). */
export const toConversationId = (n: number): ConversationId => n as ConversationId;
/** Brand a number as a MessageId. */
export const toMessageId = (n: number): MessageId => n as MessageId;
