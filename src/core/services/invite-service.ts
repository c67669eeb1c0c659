import { ChatError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import type { Invite } from '../model/invite.js';
import type { User } from '../model/user.js';
import type { Clock } from '../ports/clock.js';
import type { Secrets } from '../ports/secrets.js';
import type { Store } from '../ports/store.js';
import type { UserService } from './user-service.js';
import { checkName } from './validate.js';

/** Default lifetime of an invite: 7 days (reference/prosody-invites.md §3.4). */
export const INVITE_TTL_SECONDS = 7 * 24 * 3600;
/** Random bytes in a token: 18, i.e. 24 base64url characters, as Prosody ≥ 0.12 (§3.3). */
const TOKEN_BYTES = 18;
/** Characters XMPP's nodeprep refuses in a username (reference §7.2 step 3). */
const NODEPREP_REFUSED = /[\s@/"'&:<>]/;
/** Roles an invite may grant (§3.6): administrators and ordinary users. */
const ROLES = new Set(['prosody:operator', 'prosody:admin', 'prosody:member', 'prosody:registered']);

/** Invitations: created by operators, the invite API or users; checked by the pages that use them. */
export interface InviteService {
  /** An account invite, open or for a fixed username. Rejects INVALID_INPUT for a bad username or an unknown role. */
  createAccount(options?: { username?: string; ttlSeconds?: number; roles?: readonly string[]; source?: string; inviterId?: UserId }): Promise<Invite>;
  /** The invite behind a token while it can still be used (not expired, not used unless reusable); null otherwise. */
  valid(token: string): Promise<Invite | null>;
  list(): Promise<Invite[]>;
  /**
   * Register an account with an invite (reference §7.2): the name is lower-cased; a fixed-username
   * invite ignores the name given. Rejects TOKEN_EXPIRED (invalid, used or expired invite),
   * INVALID_INPUT (empty or invalid name), USERNAME_TAKEN, PASSWORD_UNACCEPTABLE (shorter than 8,
   * or containing the username). The invite is used up unless it is reusable; an admin role
   * makes the account an operator.
   */
  register(token: string, account: { username: string; password: string }): Promise<User>;
  /** Rejects INVALID_INPUT when no invite has this token. */
  delete(token: string): Promise<void>;
}

/** Invites over the store. */
export function createInviteService(deps: { store: Store; clock: Clock; secrets: Secrets; users: UserService }): InviteService {
  const { store, clock, secrets, users } = deps;

  async function validOrExpired(token: string): Promise<Invite> {
    const invite = await service.valid(token);
    if (!invite) throw new ChatError('TOKEN_EXPIRED', 'Invite expired');
    return invite;
  }

  const service: InviteService = {
    async createAccount(options = {}) {
      if (options.username !== undefined) checkName('username', options.username);
      const roles = options.roles ?? [];
      for (const role of roles) if (!ROLES.has(role)) throw new ChatError('INVALID_INPUT', `Unknown role ${role}`);
      const now = clock.now();
      const invite: Invite = {
        token: secrets.randomToken(TOKEN_BYTES),
        kind: 'account',
        username: options.username ?? null,
        inviterId: options.inviterId ?? null,
        groupIds: [],
        roles,
        reusable: false,
        source: options.source ?? null,
        createdAt: now,
        expiresAt: now + (options.ttlSeconds ?? INVITE_TTL_SECONDS) * 1000,
        usedAt: null,
      };
      await store.invites.create(invite);
      return invite;
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
      if (await store.users.findByUsername(username)) throw new ChatError('USERNAME_TAKEN', 'This username is already in use.');
      if ([...account.password].length < 8) throw new ChatError('PASSWORD_UNACCEPTABLE', 'Password is too short (minimum 8 characters)');
      if (account.password.toLowerCase().includes(username)) throw new ChatError('PASSWORD_UNACCEPTABLE', 'Password must not include your username');
      if (!invite.reusable && !(await store.invites.markUsed(invite.token, clock.now()))) throw new ChatError('TOKEN_EXPIRED', 'Invite expired');
      const isOperator = invite.roles.some((r) => r === 'prosody:admin' || r === 'prosody:operator');
      return users.register({ username, password: account.password, isOperator });
    },

    async delete(token) {
      if (!(await store.invites.delete(token))) throw new ChatError('INVALID_INPUT', 'No invite has this token');
    },
  };
  return service;
}
