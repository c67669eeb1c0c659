import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { isChatError } from '../core/errors.js';
import type { Command } from './command.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { apikeyCreateCommand, apikeyDeleteCommand, apikeyListCommand } from './commands/apikey.js';
import { inviteCreateCommand, inviteDeleteCommand, inviteListCommand } from './commands/invite.js';
import { userBanCommand, userCreateCommand, userDisableCommand, userListCommand, userRevokeCommand } from './commands/user.js';

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  serveCommand, migrateCommand, userCreateCommand, userListCommand, userDisableCommand, userRevokeCommand, userBanCommand, apikeyCreateCommand, apikeyListCommand, apikeyDeleteCommand,
  inviteCreateCommand, inviteListCommand, inviteDeleteCommand,
];

const GLOBAL_FLAGS = { config: { type: 'string', description: 'path of settings.toml (default: $PARLEY_CONFIG or ./settings.toml)' } } as const;

/** Help text generated from the declarations. */
export function helpText(): string {
  const lines = ['Usage: parley <command> [options]', '', 'Commands:'];
  for (const c of COMMANDS) {
    const args = (c.args ?? []).map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(' ');
    lines.push(`  ${[c.path.join(' '), args].filter(Boolean).join(' ').padEnd(28)} ${c.summary}`);
    for (const [name, f] of Object.entries(c.flags ?? {})) lines.push(`      --${name}${f.type === 'string' ? ' <value>' : ''}`.padEnd(31) + `  ${f.description}`);
  }
  lines.push('', 'Global options:');
  for (const [name, f] of Object.entries(GLOBAL_FLAGS)) lines.push(`  --${name} <path>`.padEnd(31) + `  ${f.description}`);
  return lines.join('\n');
}

/** Parse argv, dispatch to the command, and resolve to the exit status. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  const out = (line: string) => void process.stdout.write(line + '\n');
  const err = (line: string) => void process.stderr.write(line + '\n');
  const command = [...COMMANDS].sort((a, b) => b.path.length - a.path.length).find((c) => c.path.every((w, i) => argv[i] === w));
  const askedForHelp = argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h');
  if (askedForHelp) {
    out(helpText());
    return 0;
  }
  if (!command) {
    err(`parley: unknown command '${argv.join(' ')}'\n\n${helpText()}`);
    return 2;
  }
  let parsed;
  try {
    const options = { ...GLOBAL_FLAGS, ...command.flags } as NonNullable<ParseArgsConfig['options']>;
    parsed = parseArgs({ args: argv.slice(command.path.length) as string[], options, allowPositionals: true, strict: true });
  } catch (e) {
    err(`parley ${command.path.join(' ')}: ${(e as Error).message}`);
    return 2;
  }
  const missing = (command.args ?? []).filter((a, i) => a.required && parsed.positionals[i] === undefined);
  if (missing.length > 0) {
    err(`parley ${command.path.join(' ')}: missing <${missing.map((a) => a.name).join('>, <')}>`);
    return 2;
  }
  const configPath = typeof parsed.values['config'] === 'string' ? parsed.values['config'] : undefined;
  try {
    return await command.run({
      positionals: parsed.positionals,
      flags: parsed.values as Record<string, string | boolean | undefined>,
      out,
      err,
      readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      },
      config: () => loadConfig(configPath === undefined ? {} : { configPath }),
    });
  } catch (e) {
    if (e instanceof ConfigError) err(`configuration error: ${e.message}`);
    else if (isChatError(e)) err(`parley ${command.path.join(' ')}: ${e.message}`);
    else err(`parley ${command.path.join(' ')}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
