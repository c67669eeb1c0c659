import type { Config } from '../../config/schema.js';
import { isChatError } from '../../core/errors.js';
import { toConversationId } from '../../core/model/ids.js';
import type { Invite } from '../../core/model/invite.js';
import { CliFailure, type Command } from '../command.js';
import { withCore } from './with-core.js';

/** The invite page of a token, from the configured public URL (or the main listener's address). */
const landingPage = (config: Config, invite: Invite) =>
  `${config.server.publicUrl || `http://${config.server.host}:${config.server.port}`}/invite?${invite.token}`;

/** `parley invite create …`: prints the new invite's page URL. */
export const inviteCreateCommand: Command = {
  path: ['invite', 'create'],
  summary: 'Create an invite and print its page URL',
  flags: {
    username: { type: 'string', value: 'username', description: 'account invite for this fixed username' },
    reset: { type: 'string', value: 'username', description: 'password-reset invite for this existing account' },
    contact: { type: 'string', value: 'username', description: 'contact invite: the new user and this user get a direct conversation' },
    group: { type: 'string', value: 'ids', description: 'group invite: comma-separated group conversation ids to join' },
    ttl: { type: 'string', value: 'seconds', description: 'lifetime in seconds (default 7 days; 1 day for resets; makes a group invite reusable)' },
    admin: { type: 'boolean', description: 'the new account is an operator' },
  },
  details: 'Without --reset, --contact or --group: an account invite (for anyone, or for --username).',
  examples: ['parley invite create', 'parley invite create --username bob --ttl 3600', 'parley invite create --reset alice'],
  async run(ctx) {
    const flag = (name: string) => (typeof ctx.flags[name] === 'string' ? (ctx.flags[name] as string) : undefined);
    const ttl = flag('ttl');
    const ttlSeconds = ttl === undefined ? undefined : Number(ttl);
    if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) throw new CliFailure('--ttl must be a whole number of seconds', { usage: true });
    const roles = ctx.flags['admin'] === true ? ['prosody:admin'] : [];
    const config = ctx.config();
    const invite = await withCore(ctx, async (core) => {
      const reset = flag('reset');
      const contact = flag('contact');
      const group = flag('group');
      if (reset !== undefined) return core.invites.createReset(reset, ttlSeconds);
      if (contact !== undefined) {
        const inviter = await core.users.findByUsername(contact);
        if (!inviter || inviter.source === 'deleted') throw new CliFailure(`no such user: ${contact}`);
        return core.invites.createContact(inviter.id, ttlSeconds);
      }
      if (group !== undefined) return core.invites.createGroup(group.split(',').map((id) => toConversationId(Number(id))), { ...(ttlSeconds === undefined ? {} : { ttlSeconds }), roles });
      const username = flag('username');
      return core.invites.createAccount({ ...(username === undefined ? {} : { username }), ...(ttlSeconds === undefined ? {} : { ttlSeconds }), roles, source: 'cli' });
    });
    ctx.out(landingPage(config, invite));
    return 0;
  },
};

/** `parley invite list [--json]`: token, kind, expiry and page URL of each usable invite. */
export const inviteListCommand: Command = {
  path: ['invite', 'list'],
  summary: 'List invites that can still be used',
  flags: { json: { type: 'boolean', description: 'print a JSON array of invites instead of lines' } },
  details: 'Lines: <token> TAB <kind> TAB <expiry, ISO 8601> TAB <page URL>.\n'
    + 'With --json: [{"token", "kind" ("account", "reset", "contact" or "group"), "username" (or null),\n'
    + '  "groupIds", "roles", "reusable", "expiresAt" (ISO 8601), "url"}], oldest first.',
  examples: ['parley invite list', 'parley invite list --json'],
  async run(ctx) {
    const config = ctx.config();
    const invites = await withCore(ctx, async (core) => (await Promise.all((await core.invites.list()).map((i) => core.invites.valid(i.token)))).filter((i) => i !== null));
    if (ctx.flags['json'] === true) {
      ctx.json(invites.map((i) => ({
        token: i.token, kind: i.kind, username: i.username, groupIds: i.groupIds, roles: i.roles, reusable: i.reusable, expiresAt: new Date(i.expiresAt).toISOString(), url: landingPage(config, i),
      })));
      return 0;
    }
    for (const i of invites) ctx.out(`${i.token}\t${i.kind}\t${new Date(i.expiresAt).toISOString()}\t${landingPage(config, i)}`);
    return 0;
  },
};

/** `parley invite delete TOKEN`. */
export const inviteDeleteCommand: Command = {
  path: ['invite', 'delete'],
  summary: 'Delete an invite',
  args: [{ name: 'token', required: true, description: 'the invite\'s token (the part of its page URL after "?"; put \'--\' before one that starts with "-")' }],
  examples: ['parley invite delete 3q2m1Xs0aF9b8C7d6E5f4G3h'],
  async run(ctx) {
    try {
      await withCore(ctx, (core) => core.invites.delete(ctx.positionals[0]!));
    } catch (e) {
      if (isChatError(e) && e.code === 'INVALID_INPUT') throw new CliFailure(`no such invite: ${ctx.positionals[0]!}`);
      throw e;
    }
    return 0;
  },
};
