import { readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { usageOf } from '../../src/cli/program.js';
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

/** Help text with commander's line wrapping undone, for `toContain` checks. */
const flat = (text: string): string => text.replace(/\s+/g, ' ');

/** Exit 2 and exactly the error line and the help hint on stderr, nothing on stdout. */
function expectUsageError(result: { code: number | null; stdout: string; stderr: string }, command: string, message: string | RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const [line, hint, ...rest] = lines(result.stderr);
  expect(rest).toEqual([]);
  if (typeof message === 'string') expect(line).toBe(`parley ${command}: ${message}`.replace('parley : ', 'parley: '));
  else expect(line).toMatch(message);
  expect(hint).toBe(`Try '${`parley ${command}`.trim()} --help'.`);
}

describe.concurrent('parley help and --version', () => {
  it('prints the package.json version for --version and -V', async () => {
    const { env } = await sandbox();
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runCli(['--version'], { env })).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await runCli(['-V'], { env })).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('lists every declared command with its arguments and summary', async () => {
    const { env } = await sandbox();
    const { code, stdout, stderr } = await runCli(['help'], { env });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of COMMANDS) expect(flat(stdout)).toContain(`${usageOf(command)} ${flat(command.summary)}`);
    expect(stdout).toContain('--version');
  });

  it('prints the same help for no arguments and for --help', async () => {
    const { env } = await sandbox();
    const help = await runCli(['help'], { env });
    expect(await runCli([], { env })).toMatchObject({ code: 0, stdout: help.stdout });
    expect(await runCli(['--help'], { env })).toMatchObject({ code: 0, stdout: help.stdout });
  });

  it.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('prints help for %s: its arguments, options and an example', async (_name, command) => {
    const { env } = await sandbox();
    const viaFlag = await runCli([...command.path, '--help'], { env });
    expect(viaFlag).toMatchObject({ code: 0, stderr: '' });
    expect(await runCli(['help', ...command.path], { env })).toMatchObject({ code: 0, stdout: viaFlag.stdout });
    const text = flat(viaFlag.stdout);
    expect(text).toContain(`Usage: parley ${command.path.join(' ')} [options]`);
    for (const arg of command.args ?? []) expect(text).toContain(`${arg.name} ${flat(arg.description)}`);
    for (const [flag, { description }] of Object.entries(command.flags ?? {})) {
      expect(text).toContain(`--${flag}`);
      expect(text).toContain(flat(description));
    }
    expect(text).toContain('--config <path>');
    for (const example of command.examples) expect(text).toContain(`$ ${flat(example)}`);
  });

  it('prints a group\'s commands for parley help user', async () => {
    const { env } = await sandbox();
    const { code, stdout } = await runCli(['help', 'user'], { env });
    expect(code).toBe(0);
    for (const sub of ['create', 'list', 'enable', 'disable', 'passwd', 'revoke', 'ban', 'delete']) expect(stdout).toMatch(new RegExp(`^\\s+${sub} `, 'm'));
  });
});

describe.concurrent('refused command lines exit 2 with one error format', () => {
  it.each([
    ['an unknown command', ['frobnicate'], '', "unknown command 'frobnicate'"],
    ['an unknown subcommand', ['user', 'frobnicate'], 'user', "unknown command 'frobnicate'"],
    ['a group without its command', ['user'], 'user', 'missing command'],
    ['an unknown option', ['user', 'list', '--verbose'], 'user list', "unknown option '--verbose'"],
    ['an unknown global option', ['--verbose'], '', "unknown option '--verbose'"],
    ['an extra argument', ['user', 'disable', 'alice', 'bob'], 'user disable', /^parley user disable: too many arguments/],
    ['an argument to a command without any', ['user', 'list', 'alice'], 'user list', /^parley user list: too many arguments/],
    ['a missing argument', ['user', 'create'], 'user create', "missing required argument 'username'"],
    ['an option without its value', ['invite', 'create', '--ttl'], 'invite create', "option '--ttl <seconds>' argument missing"],
    ['a value that is not a choice', ['user', 'delete', 'alice', '--messages', 'maybe', '--yes'], 'user delete', /^parley user delete: option '--messages <keep\|delete>' argument 'maybe' is invalid/],
    ['a missing required option', ['user', 'delete', 'alice', '--yes'], 'user delete', "required option '--messages <keep|delete>' not specified"],
    ['user delete without --yes', ['user', 'delete', 'alice', '--messages', 'delete'], 'user delete', 'refusing to delete an account without --yes'],
    ['a bad --ttl', ['invite', 'create', '--ttl', '1.5'], 'invite create', '--ttl must be a whole number of seconds'],
    ['migrate --json without --status', ['migrate', '--json'], 'migrate', '--json needs --status'],
  ])('refuses %s', async (_label, args, command, message) => {
    const { env } = await sandbox();
    expectUsageError(await runCli(args, { env }), command, message);
  });

  it('refuses the deletion before touching the account', async () => {
    const { env } = await sandbox();
    expect((await runCli(['user', 'create', 'alice', '--password-stdin'], { env, input: 'pw-1' })).code).toBe(0);
    expect((await runCli(['user', 'delete', 'alice', '--messages', 'delete'], { env })).code).toBe(2);
    expect(lines((await runCli(['user', 'list'], { env })).stdout)).toEqual([expect.stringMatching(/^\d+\talice$/)]);
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
    expect(lines(stderr)).toEqual(['parley user disable: no such user: nobody']);
  });

  it('lists accounts as JSON with documented fields and no secrets, leaving deleted accounts out', async () => {
    const { env } = await sandbox();
    expect((await runCli(['user', 'create', 'olga', '--op', '--email', 'olga@example.org', '--password-stdin'], { env, input: 'pw-olga-1' })).code).toBe(0);
    expect((await runCli(['user', 'create', 'gone', '--password-stdin'], { env, input: 'pw-gone-1' })).code).toBe(0);
    expect((await runCli(['user', 'delete', 'gone', '--messages', 'keep', '--yes'], { env })).code).toBe(0);
    const { code, stdout } = await runCli(['user', 'list', '--json'], { env });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{
      id: expect.any(Number), username: 'olga', displayName: 'olga', email: 'olga@example.org', emailVerified: true,
      isOperator: true, isBot: false, isDisabled: false, source: 'local', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    }]);
    expect(stdout).not.toContain('argon2');
    expect(JSON.parse((await runCli(['user', 'list', '--json'], { env: (await sandbox()).env })).stdout)).toEqual([]);
  }, 180_000);

  it('exits 1 naming the user for every account command on an unknown account', async () => {
    const { env } = await sandbox();
    for (const args of [['enable', 'nobody'], ['passwd', 'nobody'], ['revoke', 'nobody'], ['ban', 'nobody'], ['delete', 'nobody', '--messages', 'keep', '--yes']]) {
      const { code, stdout, stderr } = await runCli(['user', ...args], { env, input: 'pw' });
      expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: `parley user ${args[0]}: no such user: nobody\n` });
    }
  }, 180_000);
});

describe.concurrent('parley migrate', () => {
  it('brings a fresh SQLite database up to date and exits 0, also when run again', async () => {
    const { dir, env } = await sandbox();
    const first = await runCli(['migrate'], { env });
    expect(first).toMatchObject({ code: 0, stderr: '', stdout: 'database is up to date\n' });
    expect(existsSync(path.join(dir, 'data', 'parley.sqlite'))).toBe(true);
    expect(await runCli(['migrate'], { env })).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
  });

  it('lists every migration as pending on a fresh database and as applied after migrate, in text and JSON', async () => {
    const { env } = await sandbox();
    const fresh = await runCli(['migrate', '--status'], { env });
    expect(fresh).toMatchObject({ code: 0, stderr: '' });
    const names = lines(fresh.stdout).map((l) => l.split('\t')[0]);
    expect(names[0]).toBe('0001-initial');
    expect(names).toEqual([...names].sort());
    expect(lines(fresh.stdout)).toEqual(names.map((n) => `${n}\tpending`));
    const freshJson = JSON.parse((await runCli(['migrate', '--status', '--json'], { env })).stdout) as unknown[];
    expect(freshJson).toEqual(names.map((name) => ({ name, status: 'pending', appliedAt: null })));

    expect((await runCli(['migrate'], { env })).code).toBe(0);
    const migrated = await runCli(['migrate', '--status'], { env });
    expect(lines(migrated.stdout)).toEqual(names.map((n) => expect.stringMatching(new RegExp(`^${n}\tapplied\t\\d{4}-\\d\\d-\\d\\dT`))));
    const json = JSON.parse((await runCli(['migrate', '--status', '--json'], { env })).stdout) as { name: string; status: string; appliedAt: string }[];
    expect(json.map((m) => [m.name, m.status])).toEqual(names.map((n) => [n, 'applied']));
    for (const m of json) expect(Date.parse(m.appliedAt)).toBeGreaterThan(0);
  }, 180_000);
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
    expect(stderr).toMatch(/^parley migrate: configuration error: /);
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
    const json = await runCli(['apikey', 'list', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([{ id, name: 'My test key' }, { id: otherId, name: null }]);
    expect(json.stdout).not.toContain(secret!);
    for (const file of ['parley.sqlite', 'parley.sqlite-wal']) {
      const where = path.join(dir, 'data', file);
      if (existsSync(where)) expect(readFileSync(where).includes(Buffer.from(secret!))).toBe(false); // only a hash is stored
    }

    expect(await runCli(['apikey', 'delete', '--', id!], { env })).toMatchObject({ code: 0 });
    expect(lines((await runCli(['apikey', 'list'], { env })).stdout)).toEqual([`${otherId}\t<unknown>`]);
    const missing = await runCli(['apikey', 'delete', '--', id!], { env });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([`parley apikey delete: no such key: ${id!}`]);
  }, 180_000);
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
    const json = JSON.parse((await runCli(['invite', 'list', '--json'], { env })).stdout) as Record<string, unknown>[];
    expect(json.map((i) => [i['token'], i['kind']])).toEqual([[open, 'account'], [fixed, 'account'], [reset, 'reset'], [contact, 'contact']]);
    expect(json[1]).toEqual({
      token: fixed, kind: 'account', username: 'newbie', groupIds: [], roles: ['prosody:admin'], reusable: false,
      expiresAt: expect.stringMatching(/Z$/), url: listed[1]!.split('\t')[3],
    });
    // `--` ends the options: a random token may start with "-".
    expect(await runCli(['invite', 'delete', '--', open], { env })).toMatchObject({ code: 0 });
    const missing = await runCli(['invite', 'delete', '--', open], { env });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([`parley invite delete: no such invite: ${open}`]);
    const unknownUser = await runCli(['invite', 'create', '--reset', 'nobody'], { env });
    expect(unknownUser.code).toBe(1);
  }, 180_000);
});
