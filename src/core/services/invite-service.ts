import { ChatError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import type { Invite } from '../model/invite.js';
import { toPublicUser, type User } from '../model/user.js';
import type { ConversationId } from '../model/ids.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { ConversationService } from './conversation-service.js';
import type { Clock } from '../ports/clock.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Secrets } from '../ports/secrets.js';
import type { Store } from '../ports/store.js';
import { enforceLimits, type Origin } from './limits.js';
import type { TokenService } from './token-service.js';
import type { UserService } from './user-service.js';
import { checkName, checkPassword } from './validate.js';

/** Default lifetime of an invite: 7 days (reference/prosody-invites.md §3.4). */
export const INVITE_TTL_SECONDS = 7 * 24 * 3600;
/** Who may register through the protocols: anyone, invited people only, or nobody. */
export type RegistrationMode = 'open' | 'invite' | 'closed';

/** Default lifetime of a password-reset invite: 1 day. */
export const RESET_TTL_SECONDS = 24 * 3600;
/** Random bytes in a token: 18, i.e. 24 base64url characters, as Prosody ≥ 0.12 (§3.3). */
const TOKEN_BYTES = 18;
/**
 * Characters XMPP's nodeprep refuses in a username (reference §7.2 step 3): white space (so also
 * line separators), `@ / " ' & : < >`, and, as stringprep tables C.5 and C.6, lone surrogates and
 * U+FFFD (what a lone surrogate's bytes decode to in a form).
 */
const NODEPREP_REFUSED = /[\s@/"'&:<>\p{Cs}\uFFFD]/u;
/** Roles an invite may grant (§3.6): administrators and ordinary users. */
const ROLES = new Set(['prosody:operator', 'prosody:admin', 'prosody:member', 'prosody:registered']);

/**
 * A protocol's sign-up, run by InviteService.signUp in this order: the registration mode and the
 * invite's validity, one 'register' rate-limit token for `origin`, `check`, then (holding the
 * invite) `create`. Nothing before `create` uses the invite up.
 */
export interface SignUp {
  /** The name being signed up: a login for it on this node waits for the sign-up (UserService.signingUp). */
  readonly username: string;
  /** Where the request came from; `create` must not take a rate-limit token again. */
  readonly origin?: Origin;
  /** Every refusal `create` would give for this name and password, without writing anything (AccountService.checkRegistration). */
  readonly check: () => Promise<void>;
  /**
   * Create the account. `held` is true while a single-use invite is held for it: if `create`
   * throws, the invite is released for another try, so `create` must then leave nothing usable
   * behind (ChatCLI revokes the code of a verification mail that could not be sent).
   */
  readonly create: (held: boolean) => Promise<User>;
}

/** Invitations: created by operators, the invite API or users; checked by the pages that use them. */
export interface InviteService {
  /** An account invite, open or for a fixed username. Rejects INVALID_INPUT for a bad username or an unknown role. */
  createAccount(options?: { username?: string; ttlSeconds?: number; roles?: readonly string[]; source?: string; inviterId?: UserId }): Promise<Invite>;
  /** A password-reset invite for an existing account (default lifetime 1 day). Rejects USER_NOT_FOUND. */
  createReset(username: string, ttlSeconds?: number): Promise<Invite>;
  /** A contact invite: the new user and the inviter get a direct conversation. */
  createContact(inviterId: UserId, ttlSeconds?: number): Promise<Invite>;
  /** A group invite: the new user joins these group conversations; reusable until expiry when given a lifetime. */
  createGroup(groupIds: readonly ConversationId[], options?: { ttlSeconds?: number; roles?: readonly string[] }): Promise<Invite>;
  /**
   * Self-registration through a protocol under the configured mode: `open` lets anyone in,
   * `invite` needs a valid invite, `closed` refuses (invites then work only through the invite
   * pages). A given invite is used up and applied only when the account is created: a sign-up
   * refused at any step (RATE_LIMITED, the refusals of `check` and `create`, MAIL_FAILED) leaves
   * it usable, and of concurrent sign-ups with one single-use invite at most one creates an
   * account. Rejects REGISTRATION_REFUSED (mode, or an invalid invite or one that cannot create
   * accounts, such as a reset invite).
   */
  signUp(inviteToken: string | undefined, steps: SignUp): Promise<User>;
  /** The invite behind a token while it can still be used (not expired, not used unless reusable); null otherwise. */
  valid(token: string): Promise<Invite | null>;
  list(): Promise<Invite[]>;
  /**
   * Register an account with an invite (reference §7.2): the name is lower-cased; a fixed-username
   * invite ignores the name given. Rejects TOKEN_EXPIRED (invalid, used or expired invite),
   * INVALID_INPUT (empty or invalid name), USERNAME_TAKEN, PASSWORD_UNACCEPTABLE (shorter than 8,
   * or containing the username, or over the length limit). Every check comes before the invite is
   * used; the invite is used up (unless reusable) only with the account's creation, and stays
   * usable when that fails. An admin role makes the account an operator.
   */
  register(token: string, account: { username: string; password: string }): Promise<User>;
  /** Rejects INVALID_INPUT when no invite has this token. */
  delete(token: string): Promise<void>;
}

/** Invites over the store. */
export function createInviteService(deps: { store: Store; clock: Clock; secrets: Secrets; users: UserService; hasher: PasswordHasher; conversations: ConversationService; tokens: TokenService; limiter: RateLimiter; registration?: RegistrationMode }): InviteService {
  const { store, clock, secrets, users, hasher, conversations, tokens, limiter } = deps;
  const mode = deps.registration ?? 'open';

  async function runSignUp(inviteToken: string | undefined, steps: SignUp): Promise<User> {
    if (mode === 'closed') throw new ChatError('REGISTRATION_REFUSED', 'Registration is closed');
    const refused = new ChatError('REGISTRATION_REFUSED', 'The invite is invalid or expired');
    const invite = inviteToken ? await service.valid(inviteToken) : null;
    if (inviteToken && (!invite || invite.kind === 'reset' || invite.kind === 'contact' && invite.inviterId === null)) throw refused;
    if (!invite && mode === 'invite') throw new ChatError('REGISTRATION_REFUSED', 'Registration requires an invite');
    await enforceLimits(limiter, 'register', { origin: steps.origin });
    await steps.check();
    return invite ? redeem(invite, steps.create, refused) : steps.create(false);
  }

  async function validOrExpired(token: string): Promise<Invite> {
    const invite = await service.valid(token);
    if (!invite) throw new ChatError('TOKEN_EXPIRED', 'Invite expired');
    return invite;
  }

  /**
   * Hold the invite (unless reusable), run `create`, then apply the invite's effects (§8). The
   * store has no transactions spanning an account and an invite, so the invite is held with a
   * conditional update before the account is written (of concurrent holders exactly one wins,
   * and an account never exists without its invite used up) and released when `create` fails
   * (so a failed sign-up burns nothing). Only a crash between the two leaves an invite used
   * without an account. Callers run every check they can before this.
   */
  async function redeem(invite: Invite, create: (held: boolean) => Promise<User>, usedUp = new ChatError('TOKEN_EXPIRED', 'Invite expired')): Promise<User> {
    const held = !invite.reusable;
    const usedAt = clock.now();
    // Another sign-up used it up since it was looked up.
    if (held && !(await store.invites.markUsed(invite.token, usedAt))) throw usedUp;
    let user: User;
    try {
      user = await create(held);
    } catch (e) {
      // The caller must see why the sign-up failed; a failed release only leaves the invite used.
      if (held) await store.invites.release(invite.token, usedAt).catch(() => false);
      throw e;
    }
    if (invite.kind === 'reset') return user;
    const principal = { id: user.id, username: user.username, displayName: user.displayName };
    for (const groupId of invite.groupIds) {
      // A group deleted since the invite was made is skipped, not fatal (§3.6).
      if (await store.conversations.findById(groupId)) await store.conversations.addMember(groupId, user.id, 'member', clock.now());
    }
    if (invite.kind === 'contact' && invite.inviterId !== null) await conversations.openDirect(principal, invite.inviterId).catch(() => undefined);
    return user;
  }

  /** Shared by the invite kinds: a fresh token and the defaults. */
  async function make(fields: Partial<Invite> & Pick<Invite, 'kind'>, ttlSeconds: number | undefined, defaultTtl: number): Promise<Invite> {
    for (const role of fields.roles ?? []) if (!ROLES.has(role)) throw new ChatError('INVALID_INPUT', `Unknown role ${role}`);
    const now = clock.now();
    const invite: Invite = {
      token: secrets.randomToken(TOKEN_BYTES), username: null, inviterId: null, groupIds: [], roles: [], reusable: false, source: null,
      ...fields, createdAt: now, expiresAt: now + (ttlSeconds ?? defaultTtl) * 1000, usedAt: null,
    };
    await store.invites.create(invite);
    return invite;
  }

  const service: InviteService = {
    async createAccount(options = {}) {
      if (options.username !== undefined) checkName('username', options.username);
      return make({ kind: 'account', username: options.username ?? null, inviterId: options.inviterId ?? null, roles: options.roles ?? [], source: options.source ?? null }, options.ttlSeconds, INVITE_TTL_SECONDS);
    },

    async createReset(username, ttlSeconds) {
      const user = await store.users.findByUsername(username);
      if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
      return make({ kind: 'reset', username: user.username }, ttlSeconds, RESET_TTL_SECONDS);
    },

    async createContact(inviterId, ttlSeconds) {
      if (!(await store.users.findById(inviterId))) throw new ChatError('USER_NOT_FOUND', 'User not found');
      return make({ kind: 'contact', inviterId }, ttlSeconds, INVITE_TTL_SECONDS);
    },

    async createGroup(groupIds, options = {}) {
      for (const id of groupIds) {
        const c = await store.conversations.findById(id);
        if (!c || c.kind === 'direct') throw new ChatError('CONVERSATION_NOT_FOUND', `No group conversation ${id}`);
      }
      // Reusable until it expires when created with an explicit lifetime (§3.2).
      return make({ kind: 'group', groupIds: [...groupIds], roles: options.roles ?? [], reusable: options.ttlSeconds !== undefined }, options.ttlSeconds, INVITE_TTL_SECONDS);
    },

    async valid(token) {
      const invite = token ? await store.invites.find(token) : null;
      if (!invite || invite.expiresAt <= clock.now() || (!invite.reusable && invite.usedAt !== null)) return null;
      return invite;
    },

    list: () => store.invites.list(),

    async register(token, account) {
      const invite = await validOrExpired(token);
      const username = (invite.username ?? account.username).toLowerCase();
      if (username === '' || account.password === '') throw new ChatError('INVALID_INPUT', 'Please fill in all fields.');
      if (NODEPREP_REFUSED.test(username)) throw new ChatError('INVALID_INPUT', 'This username contains invalid characters.');
      checkName('username', username);
      const taken = new ChatError('USERNAME_TAKEN', 'This username is already in use.');
      const existing = await store.users.findByUsername(username);
      if (existing && invite.kind !== 'reset') throw taken;
      if ([...account.password].length < 8) throw new ChatError('PASSWORD_UNACCEPTABLE', 'Password is too short (minimum 8 characters)');
      if (account.password.toLowerCase().includes(username)) throw new ChatError('PASSWORD_UNACCEPTABLE', 'Password must not include your username');
      // The account's own limits (e.g. the password's length in bytes), before the invite is held.
      checkPassword(account.password);
      return redeem(invite, async () => {
        if (invite.kind === 'reset') {
          // A password-reset invite sets the account's password instead of creating one (§7.4).
          if (!existing) throw new ChatError('USER_NOT_FOUND', 'User not found');
          // Reset invites name the account by username: one made before this account existed was for
          // an account since deleted (`parley user delete` frees the name), never for this one.
          if (existing.createdAt > invite.createdAt) throw new ChatError('TOKEN_EXPIRED', 'This invite is not valid any more.');
          await store.users.update(existing.id, { passwordHash: await hasher.hash(account.password) });
          // Every session and token of the account ends, on every door and node.
          await tokens.revokeAll(existing.id, 'password');
          return toPublicUser(existing);
        }
        const isOperator = invite.roles.some((r) => r === 'prosody:admin' || r === 'prosody:operator');
        // Someone may have taken the name since the check: the form's own wording (§7.2 step 4).
        return users.register({ username, password: account.password, isOperator }).catch((e: unknown) => {
          throw e instanceof ChatError && e.code === 'USERNAME_TAKEN' ? taken : e;
        });
      });
    },

    signUp(inviteToken, steps) {
      return users.signingUp(steps.username, () => runSignUp(inviteToken, steps));
    },

    async delete(token) {
      if (!(await store.invites.delete(token))) throw new ChatError('INVALID_INPUT', 'No invite has this token');
    },
  };
  return service;
}
