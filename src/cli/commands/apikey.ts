import { isChatError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { withCore } from './user.js';

/** `parley apikey create ["name"]`: prints `<id>/<secret>` once (the secret is stored only hashed). */
export const apikeyCreateCommand: Command = {
  path: ['apikey', 'create'],
  summary: 'Create an invite-API key and print it as <id>/<secret> (shown only once)',
  args: [{ name: 'name', required: false }],
  async run(ctx) {
    const { key } = await withCore(ctx, (core) => core.apiKeys.create(ctx.positionals[0] ?? null));
    ctx.out(key);
    return 0;
  },
};

/** `parley apikey list`: `<id>` TAB `<name>` (or `<unknown>`) per key; never a secret. */
export const apikeyListCommand: Command = {
  path: ['apikey', 'list'],
  summary: 'List invite-API keys (id and name)',
  async run(ctx) {
    for (const k of await withCore(ctx, (core) => core.apiKeys.list())) ctx.out(`${k.id}\t${k.name ?? '<unknown>'}`);
    return 0;
  },
};

/** `parley apikey delete ID`: later requests with that key are refused. */
export const apikeyDeleteCommand: Command = {
  path: ['apikey', 'delete'],
  summary: 'Delete an invite-API key',
  args: [{ name: 'id', required: true }],
  async run(ctx) {
    try {
      await withCore(ctx, (core) => core.apiKeys.delete(ctx.positionals[0]!));
    } catch (e) {
      if (isChatError(e) && e.code === 'KEY_NOT_FOUND') {
        ctx.err('Error: key not found');
        return 1;
      }
      throw e;
    }
    return 0;
  },
};
