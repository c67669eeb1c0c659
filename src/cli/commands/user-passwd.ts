import type { Command } from '../command.js';
import { choosePassword, PASSWORD_STDIN_FLAG } from './user.js';
import { onNamedUser, USERNAME_ARG } from './with-core.js';

/**
 * `parley user passwd NAME [--password-stdin]`: a new password, as a password reset sets it: every
 * session and token of the account ends on every protocol and node.
 */
export const userPasswdCommand: Command = {
  path: ['user', 'passwd'],
  summary: 'Set a new password (a random one is printed unless --password-stdin); every session and token ends',
  args: [USERNAME_ARG],
  flags: { 'password-stdin': PASSWORD_STDIN_FLAG },
  examples: ['parley user passwd alice', "printf '%s' \"$PW\" | parley user passwd alice --password-stdin"],
  async run(ctx) {
    const { password, generated } = await choosePassword(ctx);
    return onNamedUser(ctx, async (core, user) => {
      await core.users.setPassword(user.id, password);
      return `changed the password of user ${user.id} ${user.username}${generated ? ` to ${password}` : ''}`;
    });
  },
};
