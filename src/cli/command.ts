import type { Config } from '../config/schema.js';

/** What a command's run() receives. */
export interface CommandContext {
  /** The declared arguments that were given, in order (commander has refused extra ones). */
  readonly positionals: readonly string[];
  /** Option values by declared flag name (`password-stdin`, not `passwordStdin`); absent when not given. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly out: (line: string) => void;
  /** Write `items` to stdout as one JSON array (the `--json` form of a list). */
  readonly json: (items: readonly object[]) => void;
  /** Whole standard input as text (for --password-stdin). */
  readonly readStdin: () => Promise<string>;
  /** Loads settings.toml + environment (honours --config). */
  readonly config: () => Config;
  /** The --config value, when given (otherwise $PARLEY_CONFIG or ./settings.toml applies). */
  readonly configPath: string | undefined;
}

/** One declared option. */
export interface Flag {
  /** `boolean` is a switch; `string` takes a value. */
  readonly type: 'boolean' | 'string';
  readonly description: string;
  /** The value's name in help, e.g. `seconds` for `--ttl <seconds>`; default `value`. */
  readonly value?: string;
  /** The only values accepted (commander refuses others with exit 2). */
  readonly choices?: readonly string[];
  /** Refused with exit 2 when absent. */
  readonly required?: boolean;
}

/** One declared positional argument. */
export interface Arg {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
}

/**
 * One declared CLI command. main.ts turns each into a commander command, so parsing, help
 * (arguments, options, the example) and usage errors all come from these fields.
 */
export interface Command {
  /** Words that select it, e.g. ['user', 'create']. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly args?: readonly Arg[];
  readonly flags?: Readonly<Record<string, Flag>>;
  /** One or more example invocations shown under the help, e.g. `parley user create alice`. */
  readonly examples: readonly string[];
  /** Extra help paragraph (e.g. the fields of the --json output). */
  readonly details?: string;
  /** Resolves to the process exit status; reports failures by throwing (see CliFailure). */
  run(ctx: CommandContext): Promise<number>;
}

/**
 * A failure the command reports as `parley <command>: <message>`: exit 1 (a runtime failure) or
 * exit 2 (`usage: true`, a command line that cannot be run, followed by the help hint).
 */
export class CliFailure extends Error {
  readonly usage: boolean;
  constructor(message: string, options: { readonly usage?: boolean } = {}) {
    super(message);
    this.name = 'CliFailure';
    this.usage = options.usage ?? false;
  }
}
