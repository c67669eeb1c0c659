import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { UserId } from '../../../src/core/model/ids.js';
import type { Principal } from '../../../src/core/model/principal.js';
import { runCli } from '../../helpers/cli-process.js';
import { NO_RATE_LIMITS, testSettings, type TestNode } from '../../helpers/start-node.js';

/**
 * Where a matrix runs: node A makes the changes and posts the messages, node B holds the viewers
 * and their controls (one SQLite node is both), and `parley` CLI commands reach the same
 * database (and bus) through `cliEnv`.
 */
export interface Cluster {
  readonly a: TestNode;
  readonly b: TestNode;
  /** PARLEY_* variables for a `parley` process on the cluster's database and bus. */
  readonly cliEnv: Record<string, string>;
}

/** settings.toml for matrix nodes: no rate limits, and the access-event poll at 100 ms so CLI changes land quickly. */
export const MATRIX_SETTINGS = testSettings(`${NO_RATE_LIMITS}\n[gateway]\naccess_poll_ms = 100\n`);

/** Passes every door's strength rule (ChatCLI's is the strictest, chatcli.md §5.3). */
export const PASSWORD = 'Passw0rd!';
/** The password a reset or a change sets. */
export const NEW_PASSWORD = 'N3w-Passw0rd!';

/** An account made in node A's core, with a verified address (a reset needs one). */
export interface Account {
  readonly id: UserId;
  readonly username: string;
  readonly email: string;
  readonly principal: Principal;
  /** `username@domain` (trueconf.md §2.1). */
  readonly trueconfId: string;
  /** Its current password: a reset or a change replaces it. */
  password: string;
}

let seq = 0;
/** A number no other cell of this process uses. */
export const nextNumber = (): number => ++seq;

/** Make one account per prefix, each with a fresh name. */
export async function createAccounts(cluster: Cluster, ...prefixes: string[]): Promise<Account[]> {
  const out: Account[] = [];
  for (const prefix of prefixes) {
    const username = `${prefix}${nextNumber()}`;
    const email = `${username}@example.org`;
    const user = await cluster.a.server.core.users.register({ username, password: PASSWORD, email, emailVerified: true });
    out.push({
      id: user.id, username, email, password: PASSWORD,
      principal: { id: user.id, username: user.username, displayName: user.displayName },
      trueconfId: `${username}@${cluster.a.config.server.domain}`,
    });
  }
  return out;
}

/** Run `parley ARGS` against the cluster's database and bus; it must succeed. */
export async function parley(cluster: Cluster, args: readonly string[]): Promise<void> {
  const result = await runCli(args, { env: cluster.cliEnv });
  expect(result, `parley ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
}

/** The CLI environment for one SQLite node: its own settings.toml and data dir (so its database). */
export const sqliteCliEnv = (node: TestNode): Record<string, string> => ({
  PARLEY_CONFIG: path.join(node.dir, 'settings.toml'),
  PARLEY_DATA_DIR: path.join(node.dir, 'data'),
  PARLEY_LOG_LEVEL: 'warn',
});

/**
 * The newest password-reset link mailed to `email` by `node`. Without SMTP a node writes each
 * mail to its outbox folder (DESIGN.md "Mail"); the request has been answered, so the file exists.
 */
export async function resetLinkFromOutbox(node: TestNode, email: string): Promise<URL> {
  const dir = node.config.mail.outboxDir;
  for (const name of (await readdir(dir)).sort().reverse()) {
    const text = await readFile(path.join(dir, name), 'utf8');
    if (!text.includes(`To: ${email}\r\n`)) continue;
    const m = /(https?:\/\/[^\s"<>]+\/user\/reset-password\?[^\s"<>]+)/.exec(text);
    if (m) return new URL(m[1]!);
  }
  throw new Error(`no reset mail to ${email} in ${dir}`);
}
