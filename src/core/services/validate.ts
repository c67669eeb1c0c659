import { ChatError } from '../errors.js';

/** Maximum username length in characters (the connor original used VARCHAR(255)). */
export const MAX_USERNAME_LENGTH = 255;
/** Maximum message text length in characters. */
export const MAX_TEXT_LENGTH = 16_000;
/** Maximum password length in UTF-8 bytes: more is a denial-of-service vector, not a password. */
export const MAX_PASSWORD_BYTES = 1024;

const utf8 = new TextEncoder();

// Control characters never belong in a name, nor do invisible format characters (zero-width
// joiners, bidi overrides) that make one name look like another.
const CONTROL = /[\p{Cc}\p{Cf}]/u;

/** Throws INVALID_INPUT unless `name` is 1..max characters without control characters. */
export function checkName(field: string, name: string, max = MAX_USERNAME_LENGTH): void {
  if (name.length === 0) throw new ChatError('INVALID_INPUT', `${field} must not be empty`, { details: { field } });
  if (name.length > max) throw new ChatError('INVALID_INPUT', `${field} must be at most ${max} characters`, { details: { field } });
  if (CONTROL.test(name)) throw new ChatError('INVALID_INPUT', `${field} must not contain control or invisible characters`, { details: { field } });
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
