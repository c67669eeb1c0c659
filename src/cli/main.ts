import { ConfigError, loadConfig } from '../config/load.js';
import { CliFailure, type Command } from './command.js';
import { apikeyCreateCommand, apikeyDeleteCommand, apikeyListCommand } from './commands/apikey.js';
import { inviteCreateCommand, inviteDeleteCommand, inviteListCommand } from './commands/invite.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { userDeleteCommand } from './commands/user-delete.js';
import { userPasswdCommand } from './commands/user-passwd.js';
import { userBanCommand, userCreateCommand, userDisableCommand, userEnableCommand, userListCommand, userRevokeCommand } from './commands/user.js';
import { VERSION } from '../version.js';
import { configCheckCommand } from './commands/config-check.js';
import { buildProgram, Printed, UsageError, type Selected } from './program.js';

/** Every command, in help order. A new command is one more entry here (e.g. `config check`). */
export const COMMANDS: readonly Command[] = [
  serveCommand, migrateCommand, configCheckCommand,
  userCreateCommand, userListCommand, userEnableCommand, userDisableCommand, userPasswdCommand, userRevokeCommand, userBanCommand, userDeleteCommand,
  apikeyCreateCommand, apikeyListCommand, apikeyDeleteCommand,
  inviteCreateCommand, inviteListCommand, inviteDeleteCommand,
];


/** `parley <path>` as error messages name it. */
const prefixOf = (path: readonly string[]): string => ['parley', ...path].join(' ');

/** One line of an error: no stack, no line breaks. */
const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');

/**
 * Parse argv, dispatch to the command, and resolve to the exit status. Never throws. Usage
 * errors exit 2 and runtime failures exit 1, both as `parley <command>: <message>` on stderr;
 * usage errors add `Try 'parley <command> --help'.`
 */
export async function main(argv: readonly string[]): Promise<number> {
  const out = (line: string) => void process.stdout.write(line + '\n');
  const err = (line: string) => void process.stderr.write(line + '\n');
  // `parley help [command…]` is `parley [command…] --help`; no arguments at all is `parley --help`.
  const args = argv.length === 0 ? ['--help'] : argv[0] === 'help' ? [...argv.slice(1), '--help'] : [...argv];

  let selected: Selected | undefined;
  const program = buildProgram(COMMANDS, VERSION, (text) => void process.stdout.write(text), (s) => (selected = s));
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof Printed) return 0;
    if (e instanceof UsageError) {
      err(`${prefixOf(e.path)}: ${e.message}`);
      err(`Try '${prefixOf(e.path)} --help'.`);
      return 2;
    }
    err(`parley: ${oneLine(e)}`);
    return 1;
  }
  if (!selected) return 0;
  const { command, positionals, flags, configPath } = selected;
  const prefix = prefixOf(command.path);
  try {
    return await command.run({
      positionals,
      flags,
      out,
      json: (items) => out(JSON.stringify(items, null, 2)),
      readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      },
      config: () => loadConfig(configPath === undefined ? {} : { configPath }),
      configPath,
    });
  } catch (e) {
    // Configuration errors name the key, the source and what is wrong (config/load.ts), one line each.
    if (e instanceof ConfigError && e.problems.length > 1) {
      err(`${prefix}: ${e.problems.length} configuration errors:`);
      for (const problem of e.problems) err(`  ${problem}`);
      return 1;
    }
    err(`${prefix}: ${e instanceof ConfigError ? 'configuration error: ' : ''}${oneLine(e)}`);
    if (e instanceof CliFailure && e.usage) {
      err(`Try '${prefix} --help'.`);
      return 2;
    }
    return 1;
  }
}
