import { ChatError, type ErrorCode } from '../errors.js';
import type { UserId } from '../model/ids.js';
import type { Principal } from '../model/principal.js';
import { toPublicUser, type StoredUser, type User } from '../model/user.js';
import { toUsernameKey } from '../model/username.js';
import type { Clock } from '../ports/clock.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Store } from '../ports/store.js';
import type { AccessEvents } from './access-events.js';
import { enforceLimits, type Origin } from './limits.js';
import { checkName, checkPassword } from './validate.js';

/** Input for creating an account through any protocol or the CLI. */
export interface RegisterUser {
  readonly username: string;
  /** null creates an account that cannot log in with a password (e.g. single sign-on users). */
  readonly password: string | null;
  readonly displayName?: string;
  readonly email?: string | null;
  readonly emailVerified?: boolean;
  readonly isOperator?: boolean;
  readonly isBot?: boolean;
}

/** Accounts: creation, password login, lookups and operator switches. */
export interface UserService {
  /** Rejects RATE_LIMITED (per address, when an origin is given), INVALID_INPUT, PASSWORD_UNACCEPTABLE or USERNAME_TAKEN. */
  register(cmd: RegisterUser, origin?: Origin): Promise<User>;
  /**
   * The acting identity behind a verified token's user id. With the generation the token was
   * issued under (signed tokens without one pass 0), rejects TOKEN_EXPIRED when the account's
   * credentials were revoked since; callers holding no token pass none and skip that check.
   * Rejects USER_NOT_FOUND, USER_DISABLED or BANNED (server-wide).
   */
  principalFor(id: UserId, generation?: number): Promise<Principal>;
  /**
   * Password login. Rejects RATE_LIMITED (per account and per address), USER_NOT_FOUND,
   * PASSWORD_MISMATCH, then — only for the right password — USER_DISABLED, BANNED (server-wide) or EMAIL_NOT_VERIFIED
   * (an account with an e-mail address logs in once the address is verified).
   */
  authenticate(username: string, password: string, origin?: Origin): Promise<User>;
  /**
   * Run a sign-up of `username`. While it runs, a login for the same name on this node waits
   * for it to finish and then answers as usual: connor's own page sends its login while its
   * sign-up is still in flight (issue 9), and would otherwise be told the account does not exist.
   */
  signingUp<T>(username: string, work: () => Promise<T>): Promise<T>;
  /**
   * The account of a website user vouched for by single sign-on (BareRTC's JWT `sub`), created on
   * first use without a password; its display name follows the website's. Rejects INVALID_INPUT
   * for a bad name and USERNAME_TAKEN when the name is a local account's (never taken over). A
   * guest account holding the name is renamed out of the way (`<name>~guest<id>`) and its
   * sessions end: the website's word outranks a guest's pick, and the guest's conversations do
   * not pass to the website user.
   */
  websiteUser(username: string, displayName: string): Promise<User>;
  /**
   * A guest account under `name` (BareRTC guests: no credentials), created on first use; null
   * when a local or website account has the name (guests never take a registered name).
   * Rejects INVALID_INPUT for a bad name.
   */
  guestUser(name: string): Promise<User | null>;
  /** Rejects USER_NOT_FOUND. */
  get(id: UserId): Promise<User>;
  /** null when absent. */
  findById(id: UserId): Promise<User | null>;
  /** The users with these ids that exist, by id (for rendering message authors). */
  findMany(ids: readonly UserId[]): Promise<Map<UserId, User>>;
  /** Case-insensitive; null when absent. */
  findByUsername(username: string): Promise<User | null>;
  list(options: { readonly afterId?: UserId; readonly limit: number }): Promise<User[]>;
  /**
   * Disable or re-enable an account. Disabling ends every credential and live session of the
   * account on every door and node (account.revoked, reason disabled).
   */
  setDisabled(id: UserId, disabled: boolean): Promise<User>;
  /**
   * Set a new password, as a password reset does: every token and live session of the account
   * ends on every door and node (account.revoked, reason password). Rejects USER_NOT_FOUND
   * (also for a deleted account) or PASSWORD_UNACCEPTABLE.
   */
  setPassword(id: UserId, password: string): Promise<User>;
  /**
   * Remove an account. Its credentials and live sessions end on every door and node
   * (account.revoked, reason disabled); with `messages: 'delete'` every message it wrote goes too.
   * The row stays as a tombstone (source `deleted`, disabled, no password, e-mail or operator
   * flag), renamed to `deleted~<id>` with the display name `Deleted user`, so the messages it
   * leaves behind (`messages: 'keep'`) still have an author, which every protocol shows under
   * that name. The old name is free at once for a new account. Rejects USER_NOT_FOUND (also for
   * an account already deleted). Resolves to the tombstone and how many messages were removed.
   */
  delete(id: UserId, options: { readonly messages: 'keep' | 'delete' }): Promise<{ readonly user: User; readonly deletedMessages: number }>;
}

/** The display name of a deleted account's tombstone (UserService.delete). */
export const DELETED_DISPLAY_NAME = 'Deleted user';

/** The name a deleted account's tombstone takes (UserService.delete); `~` keeps it apart from the usual names. */
export const deletedUsername = (id: UserId, attempt = 0): string => `deleted~${id}${attempt === 0 ? '' : `~${attempt}`}`;

/** Accounts over the store, the password hasher and the rate limiter. */
/** A password login that was refused: who was tried, from where, and why (the composition root logs it). */
export type LoginFailedHook = (attempt: { readonly username: string; readonly address: string | null; readonly reason: ErrorCode }) => void;

export function createUserService(deps: { store: Store; accessEvents: AccessEvents; hasher: PasswordHasher; clock: Clock; limiter: RateLimiter; onLoginFailed?: LoginFailedHook }): UserService {
  const { store, accessEvents, hasher, clock, limiter } = deps;
  // Verifying against a real hash for unknown users keeps login time from revealing which
  // usernames exist (the connor protocol reveals it anyway; the others do not).
  let dummyHash: Promise<string> | undefined;
  // Sign-ups in flight on this node, by the name's identity key. Only requests racing on one node
  // need this; a login reaching another node first finds the committed account or nothing.
  const inFlight = new Map<string, Set<Promise<unknown>>>();

  /** Resolves once every sign-up of this name that is in flight now has settled; false when there was none. */
  async function signUpsSettled(username: string): Promise<boolean> {
    const pending = inFlight.get(toUsernameKey(username));
    if (!pending) return false;
    await Promise.allSettled(pending);
    return true;
  }

  /** The account, unless it is absent or deleted (USER_NOT_FOUND): a tombstone is nobody's to change. */
  async function existing(id: UserId): Promise<StoredUser> {
    const user = await store.users.findById(id);
    if (!user || user.source === 'deleted') throw new ChatError('USER_NOT_FOUND', 'User not found');
    return user;
  }

  /** A user banned from the whole server cannot log in or authenticate anywhere while it lasts. */
  async function refuseServerBan(id: UserId): Promise<void> {
    const ban = await store.relations.findActiveBan(id, null, clock.now());
    if (ban) throw new ChatError('BANNED', ban.reason || 'User banned');
  }

  /** Password login, as `authenticate` documents (without the failure hook). */
  async function verifyLogin(username: string, password: string, origin: Origin | undefined): Promise<User> {
    await enforceLimits(limiter, 'login', { account: username, origin });
    await signUpsSettled(username);
    let user = await store.users.findByUsername(username);
    if (user?.passwordHash == null) {
      dummyHash ??= hasher.hash('parley-timing-equaliser');
      await hasher.verify(await dummyHash, password);
      // A sign-up of this name that began while this login was looking it up: wait and look again.
      if (!user && (await signUpsSettled(username))) user = await store.users.findByUsername(username);
    }
    if (user?.passwordHash == null) {
      if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
      throw new ChatError('PASSWORD_MISMATCH', "Passwords don't match!");
    }
    if (!(await hasher.verify(user.passwordHash, password))) throw new ChatError('PASSWORD_MISMATCH', "Passwords don't match!");
    if (user.isDisabled) throw new ChatError('USER_DISABLED', 'User banned');
    await refuseServerBan(user.id);
    if (user.email !== null && !user.emailVerified) throw new ChatError('EMAIL_NOT_VERIFIED', 'Email not verified');
    return toPublicUser(user);
  }

  return {
    async register(cmd, origin) {
      if (origin) await enforceLimits(limiter, 'register', { origin });
      checkName('username', cmd.username);
      if (cmd.password !== null) checkPassword(cmd.password);
      if (await store.users.findByUsername(cmd.username)) throw new ChatError('USERNAME_TAKEN', 'Username is already taken');
      const passwordHash = cmd.password === null ? null : await hasher.hash(cmd.password);
      const created = await store.users.create({
        username: cmd.username,
        displayName: cmd.displayName ?? cmd.username,
        email: cmd.email ?? null,
        emailVerified: cmd.emailVerified ?? false,
        passwordHash,
        isOperator: cmd.isOperator ?? false,
        isBot: cmd.isBot ?? false,
        createdAt: clock.now(),
      });
      return toPublicUser(created);
    },

    async signingUp(username, work) {
      const key = toUsernameKey(username);
      const run = work();
      const pending = inFlight.get(key) ?? new Set();
      inFlight.set(key, pending.add(run));
      try {
        return await run;
      } finally {
        pending.delete(run);
        if (pending.size === 0 && inFlight.get(key) === pending) inFlight.delete(key);
      }
    },

    async authenticate(username, password, origin) {
      try {
        return await verifyLogin(username, password, origin);
      } catch (e) {
        if (e instanceof ChatError && e.code !== 'INTERNAL' && e.code !== 'UNAVAILABLE') deps.onLoginFailed?.({ username, address: origin?.address ?? null, reason: e.code });
        throw e;
      }
    },

    async websiteUser(username, displayName) {
      checkName('username', username);
      for (let attempt = 0; ; attempt++) {
        const existing = await store.users.findByUsername(username);
        if (existing?.source === 'website') {
          if (existing.displayName === displayName || displayName === '') return toPublicUser(existing);
          return toPublicUser((await store.users.update(existing.id, { displayName })) ?? existing);
        }
        if (existing && existing.source !== 'guest') throw new ChatError('USERNAME_TAKEN', 'Username belongs to a registered account');
        if (existing) {
          const renamed = await store.users.update(existing.id, { username: `${existing.username}~guest${existing.id}`, bumpGeneration: true });
          if (renamed) await accessEvents.announce({ type: 'account.revoked', userId: renamed.id, generation: renamed.tokenGeneration, reason: 'sessions' });
        }
        try {
          const created = await store.users.create({ username, displayName: displayName || username, email: null, emailVerified: false, passwordHash: null, isOperator: false, isBot: false, createdAt: clock.now(), source: 'website' });
          return toPublicUser(created);
        } catch (e) {
          // Another node provisioned the same name meanwhile: look again, once.
          if (!(e instanceof ChatError && e.code === 'USERNAME_TAKEN') || attempt > 0) throw e;
        }
      }
    },

    async guestUser(name) {
      checkName('username', name);
      for (let attempt = 0; ; attempt++) {
        const existing = await store.users.findByUsername(name);
        if (existing) return existing.source === 'guest' ? toPublicUser(existing) : null;
        try {
          return toPublicUser(await store.users.create({ username: name, displayName: name, email: null, emailVerified: false, passwordHash: null, isOperator: false, isBot: false, createdAt: clock.now(), source: 'guest' }));
        } catch (e) {
          if (!(e instanceof ChatError && e.code === 'USERNAME_TAKEN') || attempt > 0) throw e;
        }
      }
    },

    async principalFor(id, generation) {
      const user = await store.users.findById(id);
      if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
      if (user.isDisabled) throw new ChatError('USER_DISABLED', 'User banned');
      if (generation !== undefined && generation !== user.tokenGeneration) throw new ChatError('TOKEN_EXPIRED', 'Token revoked');
      await refuseServerBan(id);
      return { id: user.id, username: user.username, displayName: user.displayName, generation: user.tokenGeneration };
    },

    async get(id) {
      const user = await store.users.findById(id);
      if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
      return toPublicUser(user);
    },

    async findById(id) {
      const user = await store.users.findById(id);
      return user ? toPublicUser(user) : null;
    },

    async findMany(ids) {
      const out = new Map<UserId, User>();
      for (const id of new Set(ids)) {
        const user = await store.users.findById(id);
        if (user) out.set(id, toPublicUser(user));
      }
      return out;
    },

    async findByUsername(username) {
      const user = await store.users.findByUsername(username);
      return user ? toPublicUser(user) : null;
    },

    async list(options) {
      return (await store.users.list(options)).map(toPublicUser);
    },

    async setDisabled(id, disabled) {
      await existing(id);
      const updated = await store.users.update(id, disabled ? { isDisabled: true, bumpGeneration: true } : { isDisabled: false });
      if (!updated) throw new ChatError('USER_NOT_FOUND', 'User not found');
      if (disabled) {
        // Opaque tokens die too, so re-enabling the account does not bring old logins back.
        await store.tokens.revokeUser(id, clock.now());
        await accessEvents.announce({ type: 'account.revoked', userId: id, generation: updated.tokenGeneration, reason: 'disabled' });
      }
      return toPublicUser(updated);
    },

    async setPassword(id, password) {
      const user = await existing(id);
      checkPassword(password);
      const passwordHash = await hasher.hash(password);
      // Tokens first, then the generation, as TokenService.revokeAll (its session() relies on the order).
      await store.tokens.revokeUser(id, clock.now());
      // A guest account given a password is a local one from now on: guestUser no longer hands it to
      // whoever types its name, so the sessions just ended cannot simply come back.
      const updated = await store.users.update(id, { passwordHash, bumpGeneration: true, ...(user.source === 'guest' ? { source: 'local' as const } : {}) });
      if (!updated) throw new ChatError('USER_NOT_FOUND', 'User not found');
      await accessEvents.announce({ type: 'account.revoked', userId: id, generation: updated.tokenGeneration, reason: 'password' });
      return toPublicUser(updated);
    },

    async delete(id, options) {
      await existing(id);
      await store.tokens.revokeUser(id, clock.now());
      const tombstone = { displayName: DELETED_DISPLAY_NAME, email: null, emailVerified: false, passwordHash: null, isOperator: false, isDisabled: true, source: 'deleted', bumpGeneration: true } as const;
      for (let attempt = 0; ; attempt++) {
        try {
          // Someone may have registered the tombstone's name itself: take the next one.
          const updated = await store.users.update(id, { ...tombstone, username: deletedUsername(id, attempt) });
          if (!updated) throw new ChatError('USER_NOT_FOUND', 'User not found');
          await accessEvents.announce({ type: 'account.revoked', userId: id, generation: updated.tokenGeneration, reason: 'disabled' });
          // Only now that no door accepts the account any more: nothing it posts can outlive this.
          const deletedMessages = options.messages === 'delete' ? await store.messages.deleteByAuthor(id) : 0;
          return { user: toPublicUser(updated), deletedMessages };
        } catch (e) {
          if (!(e instanceof ChatError && e.code === 'USERNAME_TAKEN') || attempt >= 9) throw e;
        }
      }
    },
  };
}
