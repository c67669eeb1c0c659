import { randomBytes } from 'node:crypto';
import type { User } from '../../core/model/user.js';
import type { Command, CommandContext } from '../command.js';
import { CliFailure } from '../command.js';
import { onNamedUser, USERNAME_ARG, withCore } from './with-core.js';


/** The `--password-stdin` switch of the commands that set a password. */
export const PASSWORD_STDIN_FLAG = { type: 'boolean', description: 'read the password from standard input (one trailing newline is dropped)' } as const;

/** The password from stdin (`--password-stdin`, without its trailing newline), or a random one to print. */
export async function choosePassword(ctx: CommandContext): Promise<{ password: string; generated: boolean }> {
  if (ctx.flags['password-stdin'] === true) return { password: (await ctx.readStdin()).replace(/\r?\n$/, ''), generated: false };
  return { password: randomBytes(12).toString('base64url'), generated: true };
}

/** `parley user create NAME [--op] [--bot] [--password-stdin] [--email E]`. */
export const userCreateCommand: Command = {
  path: ['user', 'create'],
  summary: 'Create an account (a random password is printed unless --password-stdin)',
  args: [{ name: 'username', required: true, description: 'the new account\'s name; the same rules as every protocol\'s sign-up (no look-alikes of another name)' }],
  flags: {
    op: { type: 'boolean', description: 'make the account an operator' },
    bot: { type: 'boolean', description: 'mark the account as a bot' },
    'password-stdin': PASSWORD_STDIN_FLAG,
    email: { type: 'string', value: 'address', description: 'e-mail address (recorded as verified)' },
  },
  examples: ['parley user create alice', "printf '%s' \"$PW\" | parley user create alice --password-stdin --op"],
  async run(ctx) {
    const username = ctx.positionals[0]!;
    const { password, generated } = await choosePassword(ctx);
    const email = typeof ctx.flags['email'] === 'string' ? ctx.flags['email'] : null;
    const user = await withCore(ctx, (core) => core.users.register({
      username, password, email, emailVerified: email !== null, isOperator: ctx.flags['op'] === true, isBot: ctx.flags['bot'] === true,
    }));
    ctx.out(`created user ${user.id} ${user.username}${generated ? ` with password ${password}` : ''}`);
    return 0;
  },
};

/** One account in `parley user list --json` (documented in its help; never a secret or a hash). */
export const toJsonUser = (u: User) => ({
  id: u.id, username: u.username, displayName: u.displayName, email: u.email, emailVerified: u.emailVerified,
  isOperator: u.isOperator, isBot: u.isBot, isDisabled: u.isDisabled, source: u.source, createdAt: new Date(u.createdAt).toISOString(),
});

/** `parley user list [--json]`: one line per account with its flags; deleted accounts are left out. */
export const userListCommand: Command = {
  path: ['user', 'list'],
  summary: 'List accounts',
  flags: { json: { type: 'boolean', description: 'print a JSON array of accounts instead of lines' } },
  details: 'Lines: <id> TAB <username> [TAB <flags: op, bot, disabled>].\n'
    + 'With --json: [{"id", "username", "displayName", "email", "emailVerified", "isOperator", "isBot", "isDisabled",\n'
    + '  "source" ("local", "website" or "guest"), "createdAt" (ISO 8601)}], in id order.',
  examples: ['parley user list', 'parley user list --json'],
  async run(ctx) {
    const users = await withCore(ctx, async (core) => {
      const all: User[] = [];
      for (let page = await core.users.list({ limit: 500 }); ; page = await core.users.list({ afterId: page.at(-1)!.id, limit: 500 })) {
        all.push(...page.filter((u) => u.source !== 'deleted'));
        if (page.length < 500) return all;
      }
    });
    if (ctx.flags['json'] === true) {
      ctx.json(users.map(toJsonUser));
      return 0;
    }
    for (const u of users) {
      const flags = [u.isOperator && 'op', u.isBot && 'bot', u.isDisabled && 'disabled'].filter(Boolean).join(',');
      ctx.out(`${u.id}\t${u.username}${flags ? `\t${flags}` : ''}`);
    }
    return 0;
  },
};

/** `parley user disable NAME`: the account can no longer log in or connect; its sessions end everywhere. */
export const userDisableCommand: Command = {
  path: ['user', 'disable'],
  summary: 'Disable an account: it cannot log in, and its sessions and tokens end on every protocol',
  args: [USERNAME_ARG],
  examples: ['parley user disable mallory'],
  run: (ctx) => onNamedUser(ctx, async (core, user) => {
    await core.users.setDisabled(user.id, true);
    return `disabled user ${user.id} ${user.username}`;
  }),
};

/** `parley user enable NAME`: undo `user disable`; old tokens stay dead, new logins work. */
export const userEnableCommand: Command = {
  path: ['user', 'enable'],
  summary: 'Enable a disabled account again (its old sessions and tokens stay ended)',
  args: [USERNAME_ARG],
  examples: ['parley user enable mallory'],
  run: (ctx) => onNamedUser(ctx, async (core, user) => {
    await core.users.setDisabled(user.id, false);
    return `enabled user ${user.id} ${user.username}`;
  }),
};

/** `parley user revoke NAME`: end every session and token of the account, on every door and node. */
export const userRevokeCommand: Command = {
  path: ['user', 'revoke'],
  summary: 'End every session and token of an account (it can log in again)',
  args: [USERNAME_ARG],
  examples: ['parley user revoke alice'],
  run: (ctx) => onNamedUser(ctx, async (core, user) => {
    await core.tokens.revokeAll(user.id, 'sessions');
    return `revoked every session of user ${user.id} ${user.username}`;
  }),
};

/** `parley user ban NAME [--room ROOM] [--reason TEXT]`: ban from a room, or from the server. */
export const userBanCommand: Command = {
  path: ['user', 'ban'],
  summary: 'Ban an account from a room (--room) or from the whole server',
  args: [USERNAME_ARG],
  flags: {
    room: { type: 'string', value: 'room', description: 'the room to ban from; without it the ban is server-wide' },
    reason: { type: 'string', value: 'text', description: 'shown to the banned user' },
  },
  examples: ['parley user ban mallory --reason spam', 'parley user ban mallory --room lobby'],
  run: (ctx) => onNamedUser(ctx, async (core, user) => {
    const roomName = typeof ctx.flags['room'] === 'string' ? ctx.flags['room'] : null;
    const room = roomName === null ? null : await core.conversations.findRoom(roomName);
    if (roomName !== null && !room) throw new CliFailure(`no such room: ${roomName}`);
    const reason = typeof ctx.flags['reason'] === 'string' ? ctx.flags['reason'] : '';
    await core.moderation.ban(null, user.id, room?.id ?? null, reason, null);
    return `banned user ${user.id} ${user.username} from ${room ? `room ${room.name ?? room.id}` : 'the server'}`;
  }),
};
