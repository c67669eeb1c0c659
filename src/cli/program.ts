import { Command as Commander, CommanderError, Option } from 'commander';
import type { Command } from './command.js';

/** Descriptions of the command groups (`parley user …`); a group not named here gets a plain one. */
const GROUPS: Readonly<Record<string, string>> = {
  user: 'Manage accounts',
  apikey: 'Manage invite-API keys',
  invite: 'Manage invites',
  config: 'Inspect the settings',
};

/** The --config option every command takes. */
const CONFIG_FLAG = 'path of settings.toml (default: $PARLEY_CONFIG or ./settings.toml)';

/** A command line commander refused: exit 2, reported against `path` (the command it was parsing). */
export class UsageError extends Error {
  constructor(readonly path: readonly string[], message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Help or the version was printed: exit 0. */
export class Printed extends Error {}

/** What the parsed command line selected. */
export interface Selected {
  readonly command: Command;
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly configPath: string | undefined;
}

/** `error: unknown option '--x'\n(Did you mean --y?)` → `unknown option '--x' (Did you mean --y?)`. */
const toMessage = (e: CommanderError): string => e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();

/** The usage line of a declared command, e.g. `user create <username>`. */
export const usageOf = (c: Command): string =>
  [...c.path, ...(c.args ?? []).map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`))].join(' ');

/**
 * The commander program for the declared commands, printing help and the version through `out`.
 * `parseAsync` resolves once a command was selected (reported through `onSelect`) and rejects with
 * UsageError or Printed; commander never writes to stderr or exits the process itself.
 */
export function buildProgram(commands: readonly Command[], version: string, out: (text: string) => void, onSelect: (s: Selected) => void): Commander {
  const program = new Commander('parley');
  const configure = (cmd: Commander, path: readonly string[]): Commander => cmd
    .helpCommand(false)
    .helpOption('-h, --help', 'print help')
    .configureOutput({ writeOut: out, writeErr: () => undefined, outputError: () => undefined })
    .exitOverride((e) => {
      if (e.exitCode === 0) throw new Printed();
      // A group called without its subcommand: commander would print the help to stderr.
      if (e.code === 'commander.help') throw new UsageError(path, 'missing command');
      throw new UsageError(path, toMessage(e));
    });
  configure(program, [])
    .description('A self-hosted chat server that speaks five existing chat APIs from one core.')
    .usage('<command> [options]')
    .version(version, '-V, --version', 'print the version and exit');

  const groups = new Map<string, Commander>();
  const leaves = new Map<Commander, Command>();
  for (const declared of commands) {
    let parent = program;
    for (const [i, word] of declared.path.slice(0, -1).entries()) {
      const key = declared.path.slice(0, i + 1).join(' ');
      let group = groups.get(key);
      if (!group) {
        group = configure(parent.command(word), declared.path.slice(0, i + 1)).description(GROUPS[key] ?? `${key} commands`).usage('<command> [options]');
        groups.set(key, group);
      }
      parent = group;
    }
    const leaf = configure(parent.command(declared.path.at(-1)!), declared.path).description(declared.summary);
    for (const a of declared.args ?? []) leaf.argument(a.required ? `<${a.name}>` : `[${a.name}]`, a.description);
    for (const [name, f] of Object.entries(declared.flags ?? {})) {
      const option = new Option(f.type === 'string' ? `--${name} <${f.value ?? 'value'}>` : `--${name}`, f.description);
      if (f.choices) option.choices(f.choices);
      if (f.required) option.makeOptionMandatory();
      leaf.addOption(option);
    }
    leaf.option('--config <path>', CONFIG_FLAG);
    const after = [...(declared.details ? ['', declared.details] : []), '', declared.examples.length > 1 ? 'Examples:' : 'Example:', ...declared.examples.map((e) => `  $ ${e}`)];
    leaf.addHelpText('after', after.join('\n'));
    leaf.action((...received: unknown[]) => {
      const cmd = received.at(-1) as Commander;
      const opts = cmd.opts<Record<string, string | boolean | undefined>>();
      const flags = Object.fromEntries(cmd.options.map((o) => [o.long!.slice(2), opts[o.attributeName()]]));
      onSelect({ command: declared, positionals: cmd.args, flags, configPath: typeof opts['config'] === 'string' ? opts['config'] : undefined });
    });
    leaves.set(leaf, declared);
  }

  // The top-level help lists every command with its arguments, not just the groups.
  program.configureHelp({
    visibleCommands: () => [...leaves.keys()],
    subcommandTerm: (cmd) => usageOf(leaves.get(cmd)!),
  });
  program.addHelpText('after', "\nEvery command takes --config <path> and -h, --help. Run 'parley help <command>' for its\narguments, options and an example.");
  return program;
}

