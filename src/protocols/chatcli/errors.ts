import type { ErrorCode } from '../../core/errors.js';

/** A core error as ChatCLI answers it by default: HTTP status and `message` (reference/chatcli.md §5). */
export interface ChatcliError {
  readonly status: number;
  /** Fixed message; when absent the core's message is used. */
  readonly message?: string;
}

/** Exhaustive default mapping; routes override single codes where the original words them differently. */
export const CHATCLI_ERRORS: Record<ErrorCode, ChatcliError> = {
  INVALID_INPUT: { status: 400 },
  USERNAME_TAKEN: { status: 400 }, // the core's message is "User '<name>' already exists" (§5.3)
  PASSWORD_UNACCEPTABLE: { status: 400, message: 'Password must be ≥8 chars, include upper, lower, digit & special' },
  USER_NOT_FOUND: { status: 404, message: 'User not found' },
  PASSWORD_MISMATCH: { status: 400, message: 'Username or password is incorrect!' },
  EMAIL_NOT_VERIFIED: { status: 400, message: 'Username or password is incorrect!' }, // §5.5 [our choice]
  USER_DISABLED: { status: 403, message: 'This account is disabled' },
  CONVERSATION_NOT_FOUND: { status: 404, message: 'Chat not found or access denied' },
  NOT_A_MEMBER: { status: 404, message: 'Chat not found or access denied' },
  FORBIDDEN: { status: 403, message: 'Access denied.' },
  BANNED: { status: 403, message: 'Access denied.' },
  BLOCKED: { status: 403, message: 'Access denied.' },
  MESSAGE_NOT_FOUND: { status: 404, message: 'Message not found' },
  INVALID_TOKEN: { status: 401, message: 'Unable to verify user!' },
  TOKEN_EXPIRED: { status: 401, message: 'Unable to verify user!' },
  ALREADY_EXISTS: { status: 409 },
  RATE_LIMITED: { status: 429, message: 'Too many requests, try again later' },
  MAIL_FAILED: { status: 500, message: 'Failed to send email' },
  FILE_NOT_FOUND: { status: 404, message: 'File not found' },
  KEY_NOT_FOUND: { status: 404, message: 'Key not found' },
  REGISTRATION_REFUSED: { status: 403 },
  FILE_REJECTED: { status: 400, message: 'File rejected' },
  UNAVAILABLE: { status: 503, message: 'Service unavailable' },
  INTERNAL: { status: 500, message: 'Internal server error' },
};
