import { CliFailure, type Command } from '../command.js';
import { onNamedUser, USERNAME_ARG } from './with-core.js';

/**
 * `parley user delete NAME --messages keep|delete --yes`: remove an account (UserService.delete).
 * Always asks for --yes: there is no undo, and a prompt would hang a script.
 */
export const userDeleteCommand: Command = {
  path: ['user', 'delete'],
  summary: 'Delete an account, keeping or deleting its messages (needs --yes)',
  args: [USERNAME_ARG],
  flags: {
    messages: { type: 'string', value: 'keep|delete', choices: ['keep', 'delete'], required: true, description: 'what happens to the messages the account wrote' },
    yes: { type: 'boolean', description: 'confirm the deletion (always required: it cannot be undone)' },
  },
  details: 'Every session and token of the account ends on every protocol and node, and the name is free\n'
    + 'for a new account at once. With --messages keep, its messages stay in every conversation under\n'
    + 'the author "deleted~<id>" (display name "Deleted user"), as every protocol shows them; with\n'
    + '--messages delete they are removed from every conversation\'s history.',
  examples: ['parley user delete mallory --messages delete --yes', 'parley user delete alice --messages keep --yes'],
  async run(ctx) {
    if (ctx.flags['yes'] !== true) throw new CliFailure('refusing to delete an account without --yes', { usage: true });
    const messages = ctx.flags['messages'] === 'delete' ? 'delete' : 'keep';
    return onNamedUser(ctx, async (core, user) => {
      const { user: tombstone, deletedMessages } = await core.users.delete(user.id, { messages });
      const what = messages === 'delete' ? `and ${deletedMessages} message${deletedMessages === 1 ? '' : 's'}` : `(its messages are kept under ${tombstone.username})`;
      return `deleted user ${user.id} ${user.username} ${what}`;
    });
  },
};
