import { isChatError } from '../../core/errors.js';
import { CliFailure, type Command } from '../command.js';
import { withCore } from './with-core.js';

/** `parley apikey create ["name"]`: prints `<id>/<secret>` once (the secret is stored only hashed). */
export const apikeyCreateCommand: Command = {
  path: ['apikey', 'create'],
  summary: 'Create an invite-API key and print it as <id>/<secret> (shown only once)',
  args: [{ name: 'name', required: false, description: 'a label for the key, shown by apikey list' }],
  examples: ['parley apikey create "signup website"'],
  async run(ctx) {
    const { key } = await withCore(ctx, (core) => core.apiKeys.create(ctx.positionals[0] ?? null));
    ctx.out(key);
    return 0;
  },
};

/** `parley apikey list [--json]`: `<id>` TAB `<name>` (or `<unknown>`) per key; never a secret. */
export const apikeyListCommand: Command = {
  path: ['apikey', 'list'],
  summary: 'List invite-API keys (id and name)',
  flags: { json: { type: 'boolean', description: 'print a JSON array of keys instead of lines' } },
  details: 'Lines: <id> TAB <name, or <unknown>>.\nWith --json: [{"id", "name" (null when unnamed)}]. Secrets are never shown again.',
  examples: ['parley apikey list', 'parley apikey list --json'],
  async run(ctx) {
    const keys = await withCore(ctx, (core) => core.apiKeys.list());
    if (ctx.flags['json'] === true) {
      ctx.json(keys.map((k) => ({ id: k.id, name: k.name })));
      return 0;
    }
    for (const k of keys) ctx.out(`${k.id}\t${k.name ?? '<unknown>'}`);
    return 0;
  },
};

/** `parley apikey delete ID`: later requests with that key are refused. */
export const apikeyDeleteCommand: Command = {
  path: ['apikey', 'delete'],
  summary: 'Delete an invite-API key',
  args: [{ name: 'id', required: true, description: 'the key\'s id (the part before the "/"; put \'--\' before one that starts with "-")' }],
  examples: ['parley apikey delete Xk3v9Qa0bC1d'],
  async run(ctx) {
    try {
      await withCore(ctx, (core) => core.apiKeys.delete(ctx.positionals[0]!));
    } catch (e) {
      if (isChatError(e) && e.code === 'KEY_NOT_FOUND') throw new CliFailure(`no such key: ${ctx.positionals[0]!}`);
      throw e;
    }
    return 0;
  },
};
