import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { Core } from '../../core/core.js';
import type { User } from '../../core/model/user.js';
import { buildCore, openInfrastructure } from '../../server.js';
import type { Command, CommandContext } from '../command.js';

/** Run `fn` with a core on the configured store and bus, closing both afterwards. */
export async function withCore<T>(ctx: CommandContext, fn: (core: Core) => Promise<T>): Promise<T> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const config = ctx.config();
  const { store, bus } = await openInfrastructure(config, logger);
  const { core, mailer } = buildCore(config, { store, bus, logger });
  try {
    return await fn(core);
  } finally {
    await bus.close();
    await store.close();
    await mailer.close();
  }
}

/** `parley user create NAME [--op] [--bot] [--password-stdin] [--email E]`. */
export const userCreateCommand: Command = {
  path: ['user', 'create'],
  summary: 'Create an account (a random password is printed unless --password-stdin)',
  args: [{ name: 'username', required: true }],
  flags: {
    op: { type: 'boolean', description: 'make the account an operator' },
    bot: { type: 'boolean', description: 'mark the account as a bot' },
    'password-stdin': { type: 'boolean', description: 'read the password from standard input' },
    email: { type: 'string', description: 'e-mail address (recorded as verified)' },
  },
  async run(ctx) {
    const username = ctx.positionals[0]!;
    const fromStdin = ctx.flags['password-stdin'] === true;
    const password = fromStdin ? (await ctx.readStdin()).replace(/\r?\n$/, '') : randomBytes(12).toString('base64url');
    const email = typeof ctx.flags['email'] === 'string' ? ctx.flags['email'] : null;
    const user = await withCore(ctx, (core) => core.users.register({
      username, password, email, emailVerified: email !== null, isOperator: ctx.flags['op'] === true, isBot: ctx.flags['bot'] === true,
    }));
    ctx.out(`created user ${user.id} ${user.username}${fromStdin ? '' : ` with password ${password}`}`);
    return 0;
  },
};

/** `parley user list`: one line per account with its flags. */
export const userListCommand: Command = {
  path: ['user', 'list'],
  summary: 'List accounts',
  async run(ctx) {
    await withCore(ctx, async (core) => {
      for (let after = 0; ; ) {
        const page = await core.users.list({ ...(after ? { afterId: after as never } : {}), limit: 500 });
        for (const u of page) {
          const flags = [u.isOperator && 'op', u.isBot && 'bot', u.isDisabled && 'disabled'].filter(Boolean).join(',');
          ctx.out(`${u.id}\t${u.username}${flags ? `\t${flags}` : ''}`);
        }
        if (page.length < 500) break;
        after = page.at(-1)!.id;
      }
    });
    return 0;
  },
};

/**
 * Run `act` on the account named by the command's first argument and print what it says; exit 1
 * with one line when there is no such account (or `act` returns null after saying why).
 */
function onNamedUser(ctx: CommandContext, act: (core: Core, user: User) => Promise<string | null>): Promise<number> {
  return withCore(ctx, async (core) => {
    const username = ctx.positionals[0]!;
    const user = await core.users.findByUsername(username);
    if (!user) {
      ctx.err(`no such user: ${username}`);
      return 1;
    }
    const done = await act(core, user);
    if (done === null) return 1;
    ctx.out(done);
    return 0;
  });
}

/** `parley user disable NAME`: the account can no longer log in or connect; its sessions end everywhere. */
export const userDisableCommand: Command = {
  path: ['user', 'disable'],
  summary: 'Disable an account',
  args: [{ name: 'username', required: true }],
  run: (ctx) => onNamedUser(ctx, async (core, user) => {
    await core.users.setDisabled(user.id, true);
    return `disabled user ${user.id} ${user.username}`;
  }),
};

/** `parley user revoke NAME`: end every session and token of the account, on every door and node. */
export const userRevokeCommand: Command = {
  path: ['user', 'revoke'],
  summary: 'End every session and token of an account (it can log in again)',
  args: [{ name: 'username', required: true }],
  run: (ctx) => onNamedUser(ctx, async (core, user) => {
    await core.tokens.revokeAll(user.id, 'sessions');
    return `revoked every session of user ${user.id} ${user.username}`;
  }),
};

/** `parley user ban NAME [--room ROOM] [--reason TEXT]`: ban from a room, or from the server. */
export const userBanCommand: Command = {
  path: ['user', 'ban'],
  summary: 'Ban an account from a room (--room) or from the whole server',
  args: [{ name: 'username', required: true }],
  flags: {
    room: { type: 'string', description: 'the room to ban from; without it the ban is server-wide' },
    reason: { type: 'string', description: 'shown to the banned user' },
  },
  run: (ctx) => onNamedUser(ctx, async (core, user) => {
    const roomName = typeof ctx.flags['room'] === 'string' ? ctx.flags['room'] : null;
    const room = roomName === null ? null : await core.conversations.findRoom(roomName);
    if (roomName !== null && !room) {
      ctx.err(`no such room: ${roomName}`);
      return null;
    }
    const reason = typeof ctx.flags['reason'] === 'string' ? ctx.flags['reason'] : '';
    await core.moderation.ban(null, user.id, room?.id ?? null, reason, null);
    return `banned user ${user.id} ${user.username} from ${room ? `room ${room.name ?? room.id}` : 'the server'}`;
  }),
};
