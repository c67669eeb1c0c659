import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, makeTempDir, removeDirs, runCli, type CliResult, type RunAs } from '../helpers/cli-process.js';
import { testSettings } from '../helpers/start-node.js';

/**
 * `parley serve` and `parley migrate` against infrastructure that is missing or broken: each stops
 * with exit code 1 and one line on stderr naming the subject and what is wrong, and no stack trace.
 * One process at a time: each start-up is CPU-bound, and the machine is shared.
 */

const dirs: string[] = [];

/** A fresh temp dir (reachable by other accounts) and the PARLEY_* environment pointing into it. */
async function sandbox(extra: Record<string, string> = {}): Promise<{ dir: string; dataDir: string; sqliteFile: string; env: Record<string, string> }> {
  const dir = await makeTempDir();
  dirs.push(dir);
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const env = { PARLEY_CONFIG: path.join(dir, 'settings.toml'), PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'info', PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', ...extra };
  return { dir, dataDir, sqliteFile: path.join(dataDir, 'parley.sqlite'), env };
}

afterAll(async () => {
  await killChildren();
  await removeDirs(dirs);
});

/** Exit 1, exactly `line` on stderr, and no stack trace or error-level log anywhere. */
function expectOneLine(result: CliResult, line: string): void {
  expect(result.stderr).toBe(`${line}\n`);
  expect(result.code).toBe(1);
  for (const text of [result.stdout, result.stderr]) {
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).not.toContain('"stack"');
  }
}

const COMMANDS = [['serve'], ['migrate']] as const;

describe('start-up with PostgreSQL or Redis unreachable', () => {
  it.each(COMMANDS)('%s names the PostgreSQL URL without its password', async (command) => {
    const { env } = await sandbox({ PARLEY_DATABASE_URL: 'postgres://parley:S3cretPw@127.0.0.1:1/test' });
    const result = await runCli([command], { env });
    expectOneLine(result, `parley ${command}: PostgreSQL at postgres://***@127.0.0.1:1/test is unreachable: connect ECONNREFUSED 127.0.0.1:1`);
    expect(result.stdout + result.stderr).not.toContain('S3cretPw');
  });

  it('serve names the Redis URL without its password, and stops after the first attempt', async () => {
    const { env } = await sandbox({ PARLEY_REDIS_URL: 'redis://:S3cretPw@127.0.0.1:1' });
    const result = await runCli(['serve'], { env });
    expectOneLine(result, 'parley serve: Redis at redis://***@127.0.0.1:1 is unreachable: connect ECONNREFUSED 127.0.0.1:1');
    expect(result.stdout + result.stderr).not.toContain('S3cretPw');
  });
});

describe('start-up with a broken SQLite database', () => {
  it.each(COMMANDS)('%s says a corrupt file is not a database', async (command) => {
    const { dataDir, sqliteFile, env } = await sandbox();
    mkdirSync(dataDir);
    writeFileSync(sqliteFile, Buffer.alloc(8192, 'not a database, just garbage. '));
    expectOneLine(await runCli([command], { env }), `parley ${command}: SQLite database ${sqliteFile} is not a database (file is corrupt)`);
  });

  it.each(COMMANDS)('%s says when the database path is a directory', async (command) => {
    const { sqliteFile, env } = await sandbox();
    mkdirSync(sqliteFile, { recursive: true });
    expectOneLine(await runCli([command], { env }), `parley ${command}: SQLite database ${sqliteFile} cannot be opened: it is a directory`);
  });

  it.each(COMMANDS)('%s says when the data directory is not a directory', async (command) => {
    const { dataDir, sqliteFile, env } = await sandbox();
    writeFileSync(dataDir, 'a file where the data directory should be');
    expectOneLine(await runCli([command], { env }), `parley ${command}: SQLite database ${sqliteFile} cannot be created: ${dataDir} is not a directory`);
  });

  // Root writes through any mode bits, so as root the CLI runs as nobody for this test.
  const nobody: RunAs | undefined = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  it.each(COMMANDS)('%s says when the database and its directory are read-only', async (command) => {
    const { dir, dataDir, sqliteFile, env } = await sandbox();
    expect((await runCli(['migrate'], { env })).code).toBe(0); // a good database, made by its owner
    chmodSync(path.join(dir, 'settings.toml'), 0o644);
    chmodSync(sqliteFile, 0o444);
    chmodSync(dataDir, 0o555);
    expect(readFileSync(sqliteFile).length).toBeGreaterThan(0);
    expectOneLine(await runCli([command], { env, ...(nobody ? { runAs: nobody } : {}) }), `parley ${command}: SQLite database ${sqliteFile} cannot be written: permission denied`);
  });
});

describe('start-up with a bad number in settings.toml', () => {
  it.each([
    ['files', 'max_size', '1e300', 'must be an integer between 1 and 536870912, got 1e+300'],
    ['files', 'max_size', '1.5', 'must be an integer between 1 and 536870912, got 1.5'],
    ['files', 'max_size', '-1', 'must be an integer between 1 and 536870912, got -1'],
    ['gateway', 'ping_interval_ms', '1e300', 'must be an integer between 100 and 3600000, got 1e+300'],
    ['trueconf', 'token_ttl_seconds', '-60', 'must be an integer between 60 and 315360000, got -60'],
    ['rate_limits', 'login', '"99999999999999999999/60"', 'must be "<attempts>/<seconds>" with attempts 1-999999 and seconds 1-9999999, got "99999999999999999999/60"'],
  ])('serve refuses %s.%s = %s', async (section, key, value, problem) => {
    const { dir, env } = await sandbox();
    const file = path.join(dir, 'settings.toml');
    writeFileSync(file, testSettings(`[${section}]\n${key} = ${value}\n`));
    expectOneLine(await runCli(['serve'], { env }), `parley serve: configuration error: ${section}.${key} (in ${file}): ${problem}`);
  });
});
