/**
 * The one error registry (STYLE.md §4). Codes are stable forever; each protocol maps every code
 * to its own wire shape in `protocols/<name>/errors.ts` through an exhaustive Record.
 */
export const ERROR_CODES = {
  INVALID_INPUT: { retryable: false, description: 'A command failed a meaning check (empty name, text too long, …).' },
  USERNAME_TAKEN: { retryable: false, description: 'Another account already uses this username (case-insensitively).' },
  PASSWORD_UNACCEPTABLE: { retryable: false, description: 'The password cannot be accepted by the hasher (empty or too long).' },
  USER_NOT_FOUND: { retryable: false, description: 'No account has this id or username.' },
  PASSWORD_MISMATCH: { retryable: false, description: 'The password does not match the account.' },
  USER_DISABLED: { retryable: false, description: 'The account is disabled by an operator.' },
  CONVERSATION_NOT_FOUND: { retryable: false, description: 'No conversation has this id or name.' },
  NOT_A_MEMBER: { retryable: false, description: 'The user is not a member of the conversation.' },
  FORBIDDEN: { retryable: false, description: 'The user lacks the role or right for this action.' },
  BANNED: { retryable: false, description: 'The user is banned from the conversation or the server.' },
  BLOCKED: { retryable: false, description: 'A block between the two users forbids this contact.' },
  MESSAGE_NOT_FOUND: { retryable: false, description: 'No message has this id in this conversation.' },
  INVALID_TOKEN: { retryable: false, description: 'A token is malformed, unknown, or signed with another key.' },
  TOKEN_EXPIRED: { retryable: false, description: 'A known token that has expired or was revoked.' },
  EMAIL_NOT_VERIFIED: { retryable: false, description: 'The account has an e-mail address that is not verified yet.' },
  ALREADY_EXISTS: { retryable: false, description: 'The thing to create exists already (a direct conversation, a subscription).' },
  FILE_NOT_FOUND: { retryable: false, description: 'No file (or no unused upload) has this id, or the user may not read it.' },
  FILE_REJECTED: { retryable: false, description: 'The file breaks the upload limits (size or type), or does not match its upload task.' },
  REGISTRATION_REFUSED: { retryable: false, description: 'Self-registration is closed, needs an invite, or the invite is not valid.' },
  KEY_NOT_FOUND: { retryable: false, description: 'No API key has this id.' },
  MAIL_FAILED: { retryable: true, description: 'A mail could not be sent; what was stored before is kept.' },
  RATE_LIMITED: { retryable: true, description: 'Too many attempts; try again later.' },
  UNAVAILABLE: { retryable: true, description: 'A dependency (store, bus, mail) is unavailable or shutting down.' },
  INTERNAL: { retryable: true, description: 'An unexpected failure; details are logged, never sent.' },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

/** A stable error code (a key of ERROR_CODES). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The only error class the core throws. `message` is safe to show to a client. */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message ?? ERROR_CODES[code].description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}

/** Narrow an unknown thrown value to a ChatError. */
export const isChatError = (e: unknown): e is ChatError => e instanceof ChatError;

/** Pass a ChatError through; anything else becomes INTERNAL with the original as its cause. */
export function toChatError(e: unknown): ChatError {
  return isChatError(e) ? e : new ChatError('INTERNAL', 'Internal error', { cause: e });
}

/** The seconds a RATE_LIMITED error asks the client to wait (its `details.retryAfterSeconds`, at least 1), or null for any other error. */
export function retryAfterOf(err: unknown): number | null {
  if (!isChatError(err) || err.code !== 'RATE_LIMITED') return null;
  const seconds = err.details?.['retryAfterSeconds'];
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : 1;
}
