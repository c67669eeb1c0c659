import type { ChatError, ErrorCode } from '../../core/errors.js';
import { toConversationId, type ConversationId } from '../../core/model/ids.js';
import type { Message } from '../../core/model/message.js';
import type { MailContent } from '../../core/services/account-service.js';
import { CHATCLI_ERRORS } from './errors.js';
import type { Envelope, ServerFrame, WireHistoryMessage } from './schemas.js';

/** `{status, message, response}` (§3); status "ok" only for HTTP 200. */
export const envelope = (httpStatus: number, message: string, response: unknown = '', extra: Record<string, unknown> = {}): Envelope => ({
  status: httpStatus === 200 ? 'ok' : 'error',
  message,
  response,
  ...extra,
});

/** Per-route wording for core error codes that the route words differently (§5). */
export type Overrides = Partial<Record<ErrorCode, readonly [status: number, message: string]>>;

/** Status and message for a core error on a route. */
export function toWireError(code: ErrorCode, coreMessage: string, overrides: Overrides = {}): { status: number; message: string } {
  const override = overrides[code];
  if (override) return { status: override[0], message: override[1] };
  const e = CHATCLI_ERRORS[code];
  return { status: e.status, message: e.message ?? coreMessage };
}

/**
 * ISO-8601 in UTC to the second with the zone designator, e.g. `2026-12-02T21:19:34Z`, as the
 * original's documentation shows (§6.3). The original code sent MySQL's DATETIME without a zone,
 * which the client's `new Date(ts)` reads as local time: hours off outside UTC (issue 9).
 */
export const toTimestamp = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** A stored message as `/chat/messages` lists it. */
export const toWireMessage = (m: Message, username: string): WireHistoryMessage => ({
  messageID: m.id,
  userID: m.authorId,
  username,
  message: m.text,
  timestamp: toTimestamp(m.createdAt),
});

/**
 * Why a post_msg was refused, worded for the person: a text limit's own sentence, the rate limit,
 * or "Access denied." for every refusal of access (the later versions' wording, §6.5).
 */
export function toPostRefusal(err: ChatError): string {
  if (err.code === 'INVALID_INPUT') return err.message;
  if (err.code === 'RATE_LIMITED') return CHATCLI_ERRORS.RATE_LIMITED.message ?? err.message;
  return 'Access denied.';
}

/**
 * Author name of a refusal notice; messageID and userID 0 mark it too, as no message or user has
 * id 0. The trailing space makes it a name no account can have (usernames never end in white
 * space, core/services/validate.ts checkName), so nobody can post as the server's notices.
 */
export const NOTICE_AUTHOR = '⚠ not sent ';

/**
 * A refused post as the ChatCLI client can see it: a new_message frame in the chat it was posted to,
 * to the sender only and never stored, saying why and giving back the text the client has already
 * cleared from its input. The client ignores `error` frames and shows only new_message (README).
 */
export const toRefusalNotice = (chatId: ConversationId, reason: string, text: string, nowMs: number): ServerFrame => ({
  type: 'new_message',
  messageID: 0,
  chatID: chatId,
  userID: 0,
  username: NOTICE_AUTHOR,
  message: `Your message was not sent: ${reason}${text === '' ? '' : `\n\n${text}`}`,
  timestamp: toTimestamp(nowMs),
});

/** A chat id as clients send it: a positive integer, or its decimal string; undefined otherwise. */
export function toChatId(value: unknown): ConversationId | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? toConversationId(n) : undefined;
}

/** A trimmed non-empty string field, or undefined. */
export function text(body: Record<string, unknown>, field: string, trim = true): string | undefined {
  const v = body[field];
  if (typeof v !== 'string') return undefined;
  const t = trim ? v.trim() : v;
  return t === '' ? undefined : t;
}

// §5.3 validation rules, in the original's order and words.
const BAD_USERNAME = /[\s"%\\'()*+,/:;<=>?@[\]^{|}~`]/;
const EMAIL = /^[\p{L}\p{N}_.+-]+@[\p{L}\p{N}_-]+\.[\p{L}\p{N}_.-]+$/u;
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;
/** The original's password-policy message, `≥` included. */
export const WEAK_PASSWORD = 'Password must be ≥8 chars, include upper, lower, digit & special';

/** No space, @ or the other characters the original refuses. */
export const isValidUsername = (name: string): boolean => !BAD_USERNAME.test(name);
/** The original's e-mail pattern, with Unicode word characters as Python's `\w`. */
export const isValidEmail = (email: string): boolean => EMAIL.test(email);
/** ≥ 8 characters with an upper- and a lower-case letter, a digit and ASCII punctuation. */
export const isStrongPassword = (p: string): boolean => p.length >= 8 && /[A-Z]/.test(p) && /[a-z]/.test(p) && /\d/.test(p) && PUNCTUATION.test(p);

/** The verification mail (§5.3). */
export const verificationMail = (code: string): MailContent => ({
  subject: 'ChatCLI Account Verification Code',
  text: `Welcome to ChatCLI!\n\nVerification code: ${code}\n\nThis code is valid for 5 minutes.\n`,
});

/** The password-reset mail (§5.8); the link is built from the configured public URL. */
export const resetMail = (publicUrl: string, token: string, username: string): MailContent => {
  const link = `${publicUrl}/user/reset-password?token=${encodeURIComponent(token)}&username=${encodeURIComponent(username)}`;
  return {
    subject: 'Password Reset Request for Your ChatCLI Account',
    text: `A password reset was requested for your ChatCLI account "${username}".\n\nOpen this link within one hour to choose a new password:\n${link}\n\nIf you did not ask for this, ignore this mail.\n`,
  };
};
