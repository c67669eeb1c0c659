import type { ErrorCode } from '../../core/errors.js';

/** How one core error code appears on the connor wire: HTTP status and `error.type` (reference/connor.md §4–§7). */
export interface ConnorError {
  readonly status: number;
  readonly type: string;
  /** Fixed message where the original has one; otherwise the core's message is used. */
  readonly message?: string;
}

/** Exhaustive: a new core code does not compile until connor decides its shape. */
export const CONNOR_ERRORS: Record<ErrorCode, ConnorError> = {
  INVALID_INPUT: { status: 400, type: 'BAD_BINDING' },
  USERNAME_TAKEN: { status: 400, type: 'USER_CREATE_FAILED' }, // §4: duplicate → USER_CREATE_FAILED
  PASSWORD_UNACCEPTABLE: { status: 400, type: 'BAD_PASSWORD' },
  USER_NOT_FOUND: { status: 400, type: 'USER_NOT_FOUND' }, // §5 [our choice]: documented 400, not the later 404
  PASSWORD_MISMATCH: { status: 401, type: 'PASSWORD_MATCH_FAILED', message: "Passwords don't match!" },
  USER_DISABLED: { status: 403, type: 'BANNED', message: 'User banned' }, // §7 role `banned`
  BANNED: { status: 403, type: 'BANNED', message: 'User banned' },
  FORBIDDEN: { status: 403, type: 'UNAUTHORIZED', message: 'Cannot access resource' },
  NOT_A_MEMBER: { status: 403, type: 'UNAUTHORIZED', message: 'Cannot access resource' },
  BLOCKED: { status: 403, type: 'UNAUTHORIZED', message: 'Cannot access resource' },
  CONVERSATION_NOT_FOUND: { status: 404, type: 'ROOM_NOT_FOUND' },
  MESSAGE_NOT_FOUND: { status: 404, type: 'MESSAGE_NOT_FOUND' },
  INVALID_TOKEN: { status: 400, type: 'INVALID_AUTH_TOKEN', message: 'Invalid Token' }, // §6
  TOKEN_EXPIRED: { status: 400, type: 'INVALID_AUTH_TOKEN', message: 'Invalid Token' },
  // An account registered elsewhere with an e-mail address logs in only once it is verified.
  EMAIL_NOT_VERIFIED: { status: 403, type: 'UNAUTHORIZED', message: 'Email not verified' },
  ALREADY_EXISTS: { status: 400, type: 'ALREADY_EXISTS' },
  MAIL_FAILED: { status: 500, type: 'MAIL_FAILED' },
  FILE_NOT_FOUND: { status: 404, type: 'FILE_NOT_FOUND' },
  KEY_NOT_FOUND: { status: 404, type: 'KEY_NOT_FOUND' },
  REGISTRATION_REFUSED: { status: 403, type: 'REGISTRATION_REFUSED' },
  FILE_REJECTED: { status: 400, type: 'FILE_REJECTED' },
  RATE_LIMITED: { status: 429, type: 'RATE_LIMITED' },
  UNAVAILABLE: { status: 503, type: 'UNAVAILABLE' },
  INTERNAL: { status: 500, type: 'INTERNAL', message: 'Internal error' },
};
