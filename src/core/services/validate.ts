import { ChatError } from '../errors.js';

/** Maximum username length in characters (the connor original used VARCHAR(255)). */
export const MAX_USERNAME_LENGTH = 255;
/**
 * Storage ceiling for message text, in UTF-16 code units (JavaScript string length): the most any
 * protocol may store, not what any one protocol accepts. Each protocol's own, usually smaller,
 * limit (ChatCLI's 65,535 UTF-8 bytes of a MySQL TEXT column, TrueConf's 4,096 code points, connor's
 * 512-byte frame) is checked by its adapter (src/protocols/text-limits.ts). 65,535 units hold every
 * one of them, ChatCLI's largest case being 65,535 ASCII characters; a message posted through one
 * door must be storable whole, whatever door it is read through.
 */
export const MAX_TEXT_LENGTH = 65_535;
/** Maximum password length in UTF-8 bytes: more is a denial-of-service vector, not a password. */
export const MAX_PASSWORD_BYTES = 1024;

const utf8 = new TextEncoder();

// Control characters never belong in a name, nor do invisible format characters (zero-width
// joiners, bidi overrides) that make one name look like another.
const CONTROL = /[\p{Cc}\p{Cf}]/u;
// In a `u` regex a surrogate matches as a code point only when it is unpaired: a lone surrogate
// (JSON can carry one as "\ud800") is not text, and storage or other protocols may mangle it.
const LONE_SURROGATE = /\p{Cs}/u;
const ONLY_WHITE_SPACE = /^\p{White_Space}+$/u;
// Line and paragraph separators (U+2028, U+2029) break a name over lines in clients.
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
// Unicode White_Space, so also no-break and ideographic spaces: ` alice` looks like `alice`.
const EDGE_WHITE_SPACE = /^\p{White_Space}|\p{White_Space}$/u;

/**
 * Throws INVALID_INPUT (details.field = `field`, the message naming it) unless `name` is 1..max
 * UTF-16 code units of well-formed text that cannot pass for another name: no control or
 * invisible format characters, no line or paragraph separators, no white space at either end and
 * not white space alone. Every path that creates a username goes through here (issue 8, defect
 * 11), and so do room names and conversation titles.
 */
export function checkName(field: string, name: string, max = MAX_USERNAME_LENGTH): void {
  const refuse = (why: string): never => {
    throw new ChatError('INVALID_INPUT', `${field} ${why}`, { details: { field } });
  };
  if (name.length === 0) refuse('must not be empty');
  if (name.length > max) refuse(`must be at most ${max} characters`);
  if (LONE_SURROGATE.test(name)) refuse('must be well-formed Unicode text (it contains an unpaired surrogate)');
  if (ONLY_WHITE_SPACE.test(name)) refuse('must not be only white space');
  if (CONTROL.test(name)) refuse('must not contain control or invisible characters');
  if (SEPARATOR.test(name)) refuse('must not contain line or paragraph separators');
  if (EDGE_WHITE_SPACE.test(name)) refuse('must not start or end with white space');
}

/** Throws PASSWORD_UNACCEPTABLE for an empty or oversized password. */
export function checkPassword(password: string): void {
  if (password.length === 0) throw new ChatError('PASSWORD_UNACCEPTABLE', 'Password must not be empty');
  if (utf8.encode(password).length > MAX_PASSWORD_BYTES) {
    throw new ChatError('PASSWORD_UNACCEPTABLE', `Password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
}

/** Throws INVALID_INPUT when message text is too long. Empty text is allowed (connor broadcasts it). */
export function checkText(text: string): void {
  if (text.length > MAX_TEXT_LENGTH) throw new ChatError('INVALID_INPUT', `Text must be at most ${MAX_TEXT_LENGTH} characters`);
}
