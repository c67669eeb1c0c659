import { readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { killChildren, makeTempDir, removeDirs, runCli, startServe } from '../helpers/cli-process.js';

/**
 * `node bin/parley.js` as a real process. Each test gets its own temp dir with its own
 * settings.toml and SQLite database, so the tests run concurrently.
 */

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const dirs: string[] = [];

/** A fresh temp dir and the PARLEY_* environment pointing into it. */
async function sandbox(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await makeTempDir();
  dirs.push(dir);
  return { dir, env: { PARLEY_CONFIG: path.join(dir, 'settings.toml'), PARLEY_DATA_DIR: path.join(dir, 'data'), PARLEY_LOG_LEVEL: 'warn' } };
}

afterAll(async () => {
  await killChildren();
  await removeDirs(dirs);
});

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe.concurrent('parley help', () => {
  it('lists every declared command with its arguments, summary and flags', async () => {
    const { env } = await sandbox();
    const { code, stdout, stderr } = await runCli(['help'], { env });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of COMMANDS) {
      const line = lines(stdout).find((l) => l.trimStart().startsWith(command.path.join(' ') + ' '));
      expect(line, `help line for "${command.path.join(' ')}"`).toBeDefined();
      expect(line).toContain(command.summary);
      for (const arg of command.args ?? []) expect(line).toContain(arg.required ? `<${arg.name}>` : `[${arg.name}]`);
      for (const [flag, { description }] of Object.entries(command.flags ?? {})) {
        expect(stdout).toMatch(new RegExp(`--${flag}\\b.*${description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      }
    }
    expect(stdout).toContain('--config');
  });

  it('prints the same help for no arguments and for --help', async () => {
    const { env } = await sandbox();
    const help = await runCli(['help'], { env });
    expect(await runCli([], { env })).toMatchObject({ code: 0, stdout: help.stdout });
    expect(await runCli(['--help'], { env })).toMatchObject({ code: 0, stdout: help.stdout });
  });

  it('exits 2 with the help on stderr for an unknown command', async () => {
    const { env } = await sandbox();
    const { code, stdout, stderr } = await runCli(['frobnicate'], { env });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: parley');
  });
});

describe.concurrent('parley user', () => {
  it('creates an account with a password read from stdin, and lists it', async () => {
    const { env } = await sandbox();
    const created = await runCli(['user', 'create', 'alice', '--password-stdin'], { env, input: 'correct horse\n' });
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(lines(created.stdout)).toEqual([expect.stringMatching(/^created user \d+ alice$/)]);
    expect(created.stdout).not.toContain('correct horse');

    const listed = await runCli(['user', 'list'], { env });
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(lines(listed.stdout)).toEqual([expect.stringMatching(/^\d+\talice$/)]);
  });

  it('prints a generated password when --password-stdin is not given', async () => {
    const { env } = await sandbox();
    const { code, stdout } = await runCli(['user', 'create', 'bob'], { env });
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual([expect.stringMatching(/^created user \d+ bob with password \S{12,}$/)]);
  });

  it('shows the --op and --bot flags in the list', async () => {
    const { env } = await sandbox();
    expect((await runCli(['user', 'create', 'olga', '--op', '--password-stdin'], { env, input: 'pw-olga-1' })).code).toBe(0);
    expect((await runCli(['user', 'create', 'robo', '--bot', '--password-stdin'], { env, input: 'pw-robo-1' })).code).toBe(0);
    expect((await runCli(['user', 'create', 'both', '--op', '--bot', '--password-stdin'], { env, input: 'pw-both-1' })).code).toBe(0);
    expect((await runCli(['user', 'create', 'plain', '--password-stdin'], { env, input: 'pw-plain-1' })).code).toBe(0);

    const { stdout } = await runCli(['user', 'list'], { env });
    const byName = new Map(lines(stdout).map((l) => { const [, name, flags = ''] = l.split('\t'); return [name, flags]; }));
    expect(Object.fromEntries(byName)).toEqual({ olga: 'op', robo: 'bot', both: 'op,bot', plain: '' });
  });

  it('refuses a username that is taken in another letter case, with exit 1 and one line on stderr', async () => {
    const { env } = await sandbox();
    expect((await runCli(['user', 'create', 'alice', '--password-stdin'], { env, input: 'secret-1' })).code).toBe(0);
    const { code, stdout, stderr } = await runCli(['user', 'create', 'ALICE', '--password-stdin'], { env, input: 'secret-2' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([expect.stringMatching(/^parley user create: .*taken/i)]);
    expect(lines((await runCli(['user', 'list'], { env })).stdout)).toHaveLength(1);
  });

  it('disables an account, which the list then marks', async () => {
    const { env } = await sandbox();
    expect((await runCli(['user', 'create', 'alice', '--op', '--password-stdin'], { env, input: 'secret-1' })).code).toBe(0);
    const disabled = await runCli(['user', 'disable', 'alice'], { env });
    expect(disabled).toMatchObject({ code: 0, stderr: '' });
    expect(lines(disabled.stdout)).toEqual([expect.stringMatching(/^disabled user \d+ alice$/)]);
    expect(lines((await runCli(['user', 'list'], { env })).stdout)).toEqual([expect.stringMatching(/^\d+\talice\top,disabled$/)]);
  });

  it('exits 1 naming the user when disabling an unknown account', async () => {
    const { env } = await sandbox();
    const { code, stdout, stderr } = await runCli(['user', 'disable', 'nobody'], { env });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual(['no such user: nobody']);
  });

  it('exits 2 when the username argument is missing', async () => {
    const { env } = await sandbox();
    const { code, stderr } = await runCli(['user', 'create'], { env });
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual(['parley user create: missing <username>']);
  });
});

describe.concurrent('parley migrate', () => {
  it('brings a fresh SQLite database up to date and exits 0, also when run again', async () => {
    const { dir, env } = await sandbox();
    const first = await runCli(['migrate'], { env });
    expect(first).toMatchObject({ code: 0, stderr: '', stdout: 'database is up to date\n' });
    expect(existsSync(path.join(dir, 'data', 'parley.sqlite'))).toBe(true);
    expect(await runCli(['migrate'], { env })).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
  });
});

describe.concurrent('configuration', () => {
  it.each([
    ['PARLEY_LISTEN', 'nonsense', 'server.listen'],
    ['PARLEY_DATABASE_URL', 'mysql://x', 'database.url'],
  ])('exits 1 with one stderr line naming the key when %s=%s', async (variable, value, key) => {
    const { env } = await sandbox();
    const { code, stdout, stderr } = await runCli(['migrate'], { env: { ...env, [variable]: value } });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.endsWith('\n')).toBe(true);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^configuration error: /);
    expect(stderr).toContain(key);
    expect(stderr).toContain(variable);
    expect(stderr).toContain(value);
  });

  it('writes settings.toml with a UUID v4 AdminAPIKey on first run and never overwrites it', async () => {
    const { dir, env } = await sandbox();
    const file = path.join(dir, 'settings.toml');
    expect(existsSync(file)).toBe(false);
    expect((await runCli(['user', 'list'], { env })).code).toBe(0);
    const written = readFileSync(file, 'utf8');
    const settings = parse(written) as { AdminAPIKey: string; secrets: { connor_jwt: string } };
    expect(settings.AdminAPIKey).toMatch(UUID_V4);
    expect(settings.secrets.connor_jwt.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    expect((await runCli(['user', 'list'], { env })).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(written);
  });

  it('honours --config over PARLEY_CONFIG', async () => {
    const { dir, env } = await sandbox();
    const other = path.join(dir, 'elsewhere', 'custom.toml');
    expect((await runCli(['user', 'list', '--config', other], { env })).code).toBe(0);
    expect(existsSync(other)).toBe(true);
    expect(existsSync(env['PARLEY_CONFIG']!)).toBe(false);
  });
});

describe.concurrent('parley serve', () => {
  it('listens on a free port, serves sign-up and login, and exits 0 on SIGTERM', async () => {
    const { env } = await sandbox();
    // An account made by the CLI (password piped with a trailing newline, which is not part of it).
    expect((await runCli(['user', 'create', 'carol', '--password-stdin'], { env, input: 'carol-pw\n' })).code).toBe(0);

    const node = await startServe({ ...env, PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', PARLEY_LOG_LEVEL: 'info' });
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(node.url).not.toBe('http://127.0.0.1:0');

    const post = (route: string, body: unknown) =>
      fetch(`${node.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post('/api/v1/users', { username: 'dave', secret: 'dave-pw' });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ error: null, data: { id: expect.any(Number), username: 'dave' } });

    for (const [username, secret] of [['dave', 'dave-pw'], ['carol', 'carol-pw']]) {
      const login = await post('/api/v1/login', { username, secret });
      expect(login.status).toBe(200);
      const body = (await login.json()) as { data: { token: string; user: { username: string } } };
      expect(body.data.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(body.data.user.username).toBe(username);
    }

    expect(await node.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(node.logs.some((l) => l['msg'] === 'shutting down')).toBe(true);
  });
});

describe.concurrent('parley apikey', () => {
  it('creates keys as <id>/<secret>, lists id and name (or <unknown>) without secrets, and deletes them', async () => {
    const { env, dir } = await sandbox();
    const named = await runCli(['apikey', 'create', 'My test key'], { env });
    expect(named).toMatchObject({ code: 0, stderr: '' });
    const [key] = lines(named.stdout);
    expect(key).toMatch(/^[A-Za-z0-9_-]{12}\/[A-Za-z0-9_-]{36}$/);
    const [id, secret] = key!.split('/');
    const unnamed = await runCli(['apikey', 'create'], { env });
    const [otherId] = lines(unnamed.stdout)[0]!.split('/');

    const listed = await runCli(['apikey', 'list'], { env });
    expect(lines(listed.stdout)).toEqual([`${id}\tMy test key`, `${otherId}\t<unknown>`]);
    expect(listed.stdout).not.toContain(secret!);
    for (const file of ['parley.sqlite', 'parley.sqlite-wal']) {
      const where = path.join(dir, 'data', file);
      if (existsSync(where)) expect(readFileSync(where).includes(Buffer.from(secret!))).toBe(false); // only a hash is stored
    }

    expect(await runCli(['apikey', 'delete', id!], { env })).toMatchObject({ code: 0 });
    expect(lines((await runCli(['apikey', 'list'], { env })).stdout)).toEqual([`${otherId}\t<unknown>`]);
    const missing = await runCli(['apikey', 'delete', id!], { env });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual(['Error: key not found']);
  });
});

describe.concurrent('parley invite', () => {
  it('creates invites of each kind, lists the usable ones with their page, and deletes them', async () => {
    const { env } = await sandbox();
    await runCli(['user', 'create', 'host', '--password-stdin'], { env, input: 'pw\n' });
    const pageOf = async (args: string[]) => {
      const res = await runCli(['invite', 'create', ...args], { env: { ...env, PARLEY_PUBLIC_URL: 'https://chat.example' } });
      expect(res).toMatchObject({ code: 0, stderr: '' });
      const [url] = lines(res.stdout);
      expect(url).toMatch(/^https:\/\/chat\.example\/invite\?[A-Za-z0-9_-]{24}$/);
      return url!.split('?')[1]!;
    };
    const open = await pageOf([]);
    const fixed = await pageOf(['--username', 'newbie', '--admin']);
    const reset = await pageOf(['--reset', 'host']);
    const contact = await pageOf(['--contact', 'host', '--ttl', '60']);
    const listed = lines((await runCli(['invite', 'list'], { env })).stdout);
    expect(listed.map((l) => l.split('\t').slice(0, 2))).toEqual([[open, 'account'], [fixed, 'account'], [reset, 'reset'], [contact, 'contact']]);
    expect(await runCli(['invite', 'delete', open], { env })).toMatchObject({ code: 0 });
    const missing = await runCli(['invite', 'delete', open], { env });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual(['Error: invite not found']);
    const unknownUser = await runCli(['invite', 'create', '--reset', 'nobody'], { env });
    expect(unknownUser.code).toBe(1);
  });
});
