import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, makeTempDir, removeDirs, runCli, startServe } from '../helpers/cli-process.js';

// Issue 8, defect 11 through the CLI (`node bin/parley.js`): names that would only look like
// another account's are refused with exit 1 and one line naming the field on stderr. (A lone
// surrogate cannot reach argv: the OS hands over bytes, which Node decodes to well-formed text.)

const dirs: string[] = [];
afterAll(async () => {
  await killChildren();
  await removeDirs(dirs);
});

async function sandbox(): Promise<Record<string, string>> {
  const dir = await makeTempDir();
  dirs.push(dir);
  return { PARLEY_CONFIG: path.join(dir, 'settings.toml'), PARLEY_DATA_DIR: path.join(dir, 'data'), PARLEY_LOG_LEVEL: 'warn' };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe.concurrent('parley user create / invite create refuse look-alike usernames', () => {
  it.each([
    ['a leading space', ' alice', 'must not start or end with white space'],
    ['a trailing space', 'alice ', 'must not start or end with white space'],
    ['only spaces', '   ', 'must not be only white space'],
    ['a leading ideographic space', '\u3000alice', 'must not start or end with white space'],
    ['a line separator', 'al\u2028ice', 'must not contain line or paragraph separators'],
  ])('parley user create refuses %s with exit 1 and one line on stderr', async (_label, name, why) => {
    const env = await sandbox();
    const { code, stdout, stderr } = await runCli(['user', 'create', name, '--password-stdin'], { env, input: 'secret-1' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([`parley user create: username ${why}`]);
  });

  it('creates nothing for a refused name, so the plain name is still free', async () => {
    const env = await sandbox();
    expect((await runCli(['user', 'create', ' alice', '--password-stdin'], { env, input: 'secret-1' })).code).toBe(1);
    expect((await runCli(['user', 'create', 'alice', '--password-stdin'], { env, input: 'secret-1' })).code).toBe(0);
    expect(lines((await runCli(['user', 'list'], { env })).stdout)).toEqual([expect.stringMatching(/^\d+\talice$/)]);
  });

  it('parley invite create --username refuses a name with a trailing space', async () => {
    const env = await sandbox();
    const { code, stderr } = await runCli(['invite', 'create', '--username', 'alice '], { env });
    expect(code).toBe(1);
    expect(lines(stderr)).toEqual(['parley invite create: username must not start or end with white space']);
  });
});

describe('parley user create accepts what the protocols accept', () => {
  it('creates names a protocol sign-up accepts, which then log in through connor; look-alike spellings find the same account', async () => {
    const env = await sandbox();
    const names = ['Zoë', 'José', '名前', 'two words', 'a.b-c_d', 'x'.repeat(255)];
    for (const name of names) {
      const created = await runCli(['user', 'create', name, '--password-stdin'], { env, input: 'secret-1' });
      expect(created, name).toMatchObject({ code: 0, stderr: '' });
    }
    // Case, full-width letters and decomposed accents name the same account, as at every login.
    for (const [lookAlike, taken] of [['ZOË', 'Zoë'], ['jose\u0301', 'José'], ['\uff3a\uff4f\u00eb', 'Zoë']] as const) {
      const refused = await runCli(['user', 'create', lookAlike, '--password-stdin'], { env, input: 'secret-2' });
      expect(refused, lookAlike).toMatchObject({ code: 1, stdout: '' });
      expect(lines(refused.stderr)).toEqual([expect.stringMatching(/^parley user create: .*taken/i)]);
      expect(lines((await runCli(['user', 'disable', lookAlike], { env })).stdout)).toEqual([expect.stringMatching(new RegExp(`^disabled user \\d+ ${taken}$`))]);
      expect(await runCli(['user', 'enable', taken], { env })).toMatchObject({ code: 0, stderr: '' });
    }
    const node = await startServe({ ...env, PARLEY_LOG_LEVEL: 'info', PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0' }, { timeoutMs: 60_000 });
    try {
      for (const name of names) {
        const res = await fetch(`${node.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, secret: 'secret-1' }) });
        expect(res.status, name).toBe(200);
      }
    } finally {
      await node.stop('SIGTERM');
    }
  }, 240_000); // many CLI processes and a server, one after another
});
