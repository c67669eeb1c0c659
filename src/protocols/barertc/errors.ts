import type { ErrorCode } from '../../core/errors.js';

/**
 * Exhaustive: each core error as the HTTP status of BareRTC's web API refusal
 * `{"OK":false,"Error":<message>}` (reference/barertc.md §2.1). BareRTC itself answers every
 * failed request 400 except a wrong APIKey (401) and its own faults (500); [our choice] the codes
 * a client should retry get the status that says so. On the chat socket every error is a
 * ChatServer `error` notice carrying the message (§4.4), so only the web API needs a map.
 */
export const BARERTC_ERRORS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  USERNAME_TAKEN: 400,
  PASSWORD_UNACCEPTABLE: 400,
  USER_NOT_FOUND: 400,
  PASSWORD_MISMATCH: 400,
  USER_DISABLED: 400,
  CONVERSATION_NOT_FOUND: 400,
  NOT_A_MEMBER: 400,
  FORBIDDEN: 400,
  BANNED: 400,
  BLOCKED: 400,
  MESSAGE_NOT_FOUND: 400,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  EMAIL_NOT_VERIFIED: 400,
  ALREADY_EXISTS: 400,
  FILE_NOT_FOUND: 400,
  FILE_REJECTED: 400,
  REGISTRATION_REFUSED: 400,
  KEY_NOT_FOUND: 400,
  MAIL_FAILED: 500,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
