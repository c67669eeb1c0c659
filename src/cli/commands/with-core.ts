import { pino } from 'pino';
import type { Core } from '../../core/core.js';
import type { User } from '../../core/model/user.js';
import { CliFailure, type CommandContext } from '../command.js';

/** Run `fn` with a core on the configured store and bus, closing both afterwards. */
export async function withCore<T>(ctx: CommandContext, fn: (core: Core) => Promise<T>): Promise<T> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const config = ctx.config();
  // Loaded here, not at start: `--help`, `--version` and `config check` never need the server.
  const { buildCore, openInfrastructure } = await import('../../server.js');
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

/**
 * Run `act` on the account named by the command's first argument (found as every protocol finds
 * it: case, width and composition do not matter) and print the line it returns. Fails with
 * `no such user: NAME` when there is none; a deleted account's tombstone counts as none.
 */
export function onNamedUser(ctx: CommandContext, act: (core: Core, user: User) => Promise<string>): Promise<number> {
  return withCore(ctx, async (core) => {
    const username = ctx.positionals[0]!;
    const user = await core.users.findByUsername(username);
    if (!user || user.source === 'deleted') throw new CliFailure(`no such user: ${username}`);
    ctx.out(await act(core, user));
    return 0;
  });
}

/** The `username` argument every account command takes. */
export const USERNAME_ARG = { name: 'username', required: true, description: 'the account, matched as logins match it (case and letter width do not matter)' } as const;
