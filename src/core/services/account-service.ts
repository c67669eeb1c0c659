import { ChatError } from '../errors.js';
import { toUsernameKey } from '../model/username.js';
import { toPublicUser, type StoredUser, type User } from '../model/user.js';
import type { Clock } from '../ports/clock.js';
import type { Mail, Mailer } from '../ports/mailer.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Secrets } from '../ports/secrets.js';
import type { Store } from '../ports/store.js';
import { enforceLimits, type Origin } from './limits.js';
import type { TokenService } from './token-service.js';
import { checkName, checkPassword } from './validate.js';

/** An e-mail verification code lives 5 minutes; only the newest one counts. */
export const EMAIL_CODE_TTL_MS = 5 * 60_000;
/** A password-reset link lives 1 hour and works once. */
export const RESET_TTL_MS = 3600_000;

/** The text of a mail; the protocol that triggers it words it, the core addresses and sends it. */
export type MailContent = Omit<Mail, 'to'>;

/** Self-service accounts with an e-mail address: verification codes and password reset links. */
export interface AccountService {
  /**
   * Create an unverified account and mail it a 6-digit code. An existing unverified account with
   * an address is taken over (new password and address, older codes revoked); any other existing
   * account rejects USERNAME_TAKEN. Rejects RATE_LIMITED, INVALID_INPUT, PASSWORD_UNACCEPTABLE,
   * or MAIL_FAILED after the account and code are stored.
   */
  registerWithEmail(cmd: { username: string; email: string; password: string }, compose: (code: string) => MailContent, origin?: Origin, options?: RegisterOptions): Promise<User>;
  /**
   * The refusals of creating this account, in the order the creating calls check them, without
   * writing anything or taking a rate-limit token: INVALID_INPUT, PASSWORD_UNACCEPTABLE,
   * USERNAME_TAKEN. With `takeOver` (registerWithEmail's rule) an unverified account with an
   * address may be taken over; without it any existing account is taken (UserService.register's
   * rule). Lets a sign-up refuse before it holds an invite (InviteService.signUp).
   */
  checkRegistration(cmd: { username: string; password: string }, options?: { takeOver?: boolean }): Promise<void>;
  /** Check the newest code; marks the address verified. Rejects TOKEN_EXPIRED (wrong, old or no code) or RATE_LIMITED. */
  verifyEmail(username: string, code: string, origin?: Origin): Promise<User>;
  /**
   * Mail a one-time reset link to the account's address. Rejects USER_NOT_FOUND, INVALID_INPUT
   * (no address), RATE_LIMITED or MAIL_FAILED.
   */
  requestPasswordReset(username: string, compose: (token: string, user: User) => MailContent, origin?: Origin): Promise<void>;
  /**
   * Set a new password with a reset token, and end every session of the account. Rejects
   * TOKEN_EXPIRED (unknown, used or expired token), FORBIDDEN (token of another user) or
   * PASSWORD_UNACCEPTABLE.
   */
  resetPassword(username: string, token: string, password: string): Promise<void>;
  /**
   * Change the password of the account behind a live access token, after checking the current
   * one, and end every session and credential of the account (this one too). Guessing the
   * current password spends the account's login budget. Rejects like tokens.authenticate,
   * RATE_LIMITED, PASSWORD_MISMATCH or PASSWORD_UNACCEPTABLE.
   */
  changePassword(accessToken: string, currentPassword: string, newPassword: string, origin?: Origin): Promise<void>;
  /** Add an address to the release-notification list; rejects ALREADY_EXISTS. */
  subscribe(email: string): Promise<void>;
}

/** How registerWithEmail treats a failure. */
export interface RegisterOptions {
  /**
   * When the mail cannot be sent, revoke the code it carried (default: keep it, as the original
   * does). A sign-up that holds an invite sets this: the invite is released on MAIL_FAILED, so
   * the unverified account must not become usable without one.
   */
  readonly revokeUnsentCode?: boolean;
}

/** An account that registerWithEmail may take over: unverified, with an address. */
const canTakeOver = (user: StoredUser): boolean => user.email !== null && !user.emailVerified;

/** Self-service accounts over the store, mailer and secrets. */
export function createAccountService(deps: {
  store: Store; clock: Clock; secrets: Secrets; hasher: PasswordHasher; mailer: Mailer; limiter: RateLimiter; tokens: TokenService;
}): AccountService {
  const { store, clock, secrets, hasher, mailer, limiter, tokens } = deps;

  async function send(to: string, content: MailContent): Promise<void> {
    try {
      await mailer.send({ to, ...content });
    } catch (e) {
      throw new ChatError('MAIL_FAILED', 'Mail could not be sent', { cause: e });
    }
  }

  /** checkRegistration's refusals; resolves to the account that may be taken over, if any. */
  async function refusals(cmd: { username: string; password: string }, takeOver: boolean): Promise<StoredUser | null> {
    checkName('username', cmd.username);
    checkPassword(cmd.password);
    const existing = await store.users.findByUsername(cmd.username);
    if (!existing) return null;
    if (takeOver && canTakeOver(existing)) return existing;
    // The two creating calls word the refusal differently (ChatCLI §5.3 quotes the name as sent).
    throw new ChatError('USERNAME_TAKEN', takeOver ? `User '${cmd.username}' already exists` : 'Username is already taken');
  }

  return {
    async checkRegistration(cmd, options = {}) {
      await refusals(cmd, options.takeOver ?? false);
    },

    async registerWithEmail(cmd, compose, origin, options = {}) {
      await enforceLimits(limiter, 'register', { origin });
      const existing = await refusals(cmd, true);
      const passwordHash = await hasher.hash(cmd.password);
      const now = clock.now();
      const user = existing
        ? await store.users.update(existing.id, { passwordHash, email: cmd.email })
        : await store.users.create({ username: cmd.username, displayName: cmd.username, email: cmd.email, emailVerified: false, passwordHash, isOperator: false, isBot: false, createdAt: now });
      if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
      // Taking over an unverified account: whatever was mailed to its earlier address (codes,
      // reset links) must stop working, or the earlier claimant could take the account back.
      if (existing) await store.tokens.revokeResets(user.id, now);
      const code = secrets.randomInt(100_000, 999_999);
      await store.tokens.replaceEmailCode({ userId: user.id, codeHash: secrets.hash(code), expiresAt: now + EMAIL_CODE_TTL_MS, createdAt: now });
      try {
        await send(cmd.email, compose(code));
      } catch (e) {
        if (options.revokeUnsentCode) await store.tokens.revokeEmailCodes(user.id);
        throw e;
      }
      return toPublicUser(user);
    },

    async verifyEmail(username, code, origin) {
      await enforceLimits(limiter, 'verify', { account: username, origin });
      const invalid = new ChatError('TOKEN_EXPIRED', 'Invalid or expired code!');
      const user = await store.users.findByUsername(username);
      if (!user) throw invalid;
      const newest = await store.tokens.newestEmailCode(user.id, clock.now());
      if (!newest || !secrets.equal(newest.codeHash, secrets.hash(code))) throw invalid;
      await store.tokens.revokeEmailCodes(user.id);
      const verified = await store.users.update(user.id, { emailVerified: true });
      return toPublicUser(verified ?? user);
    },

    async requestPasswordReset(username, compose, origin) {
      await enforceLimits(limiter, 'reset', { account: username, origin });
      const user = await store.users.findByUsername(username);
      if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
      if (user.email === null) throw new ChatError('INVALID_INPUT', 'This account has no e-mail address');
      const token = `t0k3n${secrets.randomToken(16)}`;
      const now = clock.now();
      await store.tokens.createReset({ hash: secrets.hash(token), userId: user.id, expiresAt: now + RESET_TTL_MS, createdAt: now });
      await send(user.email, compose(token, toPublicUser(user)));
    },

    async resetPassword(username, token, password) {
      const invalid = new ChatError('TOKEN_EXPIRED', 'Invalid or expired reset link');
      const found = await store.tokens.findReset(secrets.hash(token));
      const now = clock.now();
      if (!found || found.usedAt !== null || found.expiresAt <= now) throw invalid;
      const user = await store.users.findById(found.userId);
      if (!user) throw invalid;
      if (toUsernameKey(user.username) !== toUsernameKey(username)) throw new ChatError('FORBIDDEN', 'Username does not match');
      checkPassword(password);
      const passwordHash = await hasher.hash(password);
      if (!(await store.tokens.consumeReset(found.hash, now))) throw invalid;
      await store.users.update(user.id, { passwordHash });
      await tokens.revokeAll(user.id, 'password');
    },

    async changePassword(accessToken, currentPassword, newPassword, origin) {
      const { id, username } = await tokens.authenticate(accessToken);
      await enforceLimits(limiter, 'login', { account: username, origin });
      const user = await store.users.findById(id);
      if (user?.passwordHash == null || !(await hasher.verify(user.passwordHash, currentPassword))) throw new ChatError('PASSWORD_MISMATCH', "Passwords don't match!");
      checkPassword(newPassword);
      await store.users.update(id, { passwordHash: await hasher.hash(newPassword) });
      await tokens.revokeAll(id, 'password');
    },

    async subscribe(email) {
      if (!(await store.subscribers.add(email, clock.now()))) throw new ChatError('ALREADY_EXISTS', 'This email is already subscribed!');
    },
  };
}
