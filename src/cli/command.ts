import type { Config } from '../config/schema.js';

/** What a command's run() receives. */
export interface CommandContext {
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Whole standard input as text (for --password-stdin). */
  readonly readStdin: () => Promise<string>;
  /** Loads settings.toml + environment (honours --config). */
  readonly config: () => Config;
}

/** One declared CLI command; help text is generated from these fields. */
export interface Command {
  /** Words that select it, e.g. ['user', 'create']. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly args?: readonly { readonly name: string; readonly required: boolean }[];
  readonly flags?: Readonly<Record<string, { readonly type: 'boolean' | 'string'; readonly description: string }>>;
  /** Resolves to the process exit status. */
  run(ctx: CommandContext): Promise<number>;
}
