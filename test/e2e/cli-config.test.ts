import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, makeTempDir, removeDirs, runCli } from '../helpers/cli-process.js';

/** `parley config check` and the start-up report of bad settings, as a real process. */

const dirs: string[] = [];
async function sandbox(): Promise<{ dir: string; file: string; env: Record<string, string> }> {
  const dir = await makeTempDir();
  dirs.push(dir);
  const file = path.join(dir, 'settings.toml');
  return { dir, file, env: { PARLEY_CONFIG: file, PARLEY_DATA_DIR: path.join(dir, 'data') } };
}

afterAll(async () => {
  await killChildren();
  await removeDirs(dirs);
});

describe('parley config check', () => {
  it('prints the effective settings with every secret hidden, where each override came from, and writes nothing', async () => {
    const { file, env } = await sandbox();
    writeFileSync(file, '[server]\nregistration = "invite"\n[database]\nurl = "postgres://parley:S3cretPw@db.example/parley"\n');
    const secretFile = path.join(path.dirname(file), 'jwt');
    writeFileSync(secretFile, 'a-barertc-secret-from-a-file\n');
    const result = await runCli(['config', 'check'], { env: { ...env, PARLEY_SERVER_TRUSTED_PROXIES: 'loopback,10.0.0.0/8', PARLEY_BARERTC_JWT_SECRETKEY_FILE: secretFile } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`# ${file}: ok`);
    expect(lines).toContain('# server.trusted_proxies from PARLEY_SERVER_TRUSTED_PROXIES');
    expect(lines).toContain('# barertc.JWT.SecretKey from PARLEY_BARERTC_JWT_SECRETKEY_FILE');
    expect(lines).toContain('# AdminAPIKey: not set; generated and written to the file at the next start');
    const effective = parse(result.stdout) as Record<string, Record<string, unknown>>;
    expect(effective['server']).toMatchObject({ registration: 'invite', listen: '127.0.0.1:8080', trusted_proxies: ['loopback', '10.0.0.0/8'] });
    expect(effective['database']).toEqual({ url: 'postgres://***@db.example/parley' });
    expect(effective['AdminAPIKey']).toBe('(hidden)');
    expect(Object.values(effective['secrets']!)).toEqual(['(hidden)', '(hidden)', '(hidden)']);
    expect((effective['barertc'] as { JWT: { SecretKey: string } }).JWT.SecretKey).toBe('(hidden)');
    expect(result.stdout).not.toContain('S3cretPw');
    expect(result.stdout).not.toContain('a-barertc-secret-from-a-file');
    // Checking wrote nothing: the file still holds only what the operator wrote.
    expect(existsSync(path.join(path.dirname(file), 'data'))).toBe(false);
    expect((await import('node:fs')).readFileSync(file, 'utf8')).not.toContain('AdminAPIKey');
  });

  it('answers --json with the sources and the settings', async () => {
    const { env } = await sandbox();
    const result = await runCli(['config', 'check', '--json'], { env: { ...env, PARLEY_LOG_FORMAT: 'json' } });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { fromEnvironment: Record<string, string>; generatedAtStart: string[]; settings: { log: { format: string } } };
    expect(body.fromEnvironment).toEqual({ 'server.data_dir': 'PARLEY_DATA_DIR', 'log.format': 'PARLEY_LOG_FORMAT' });
    expect(body.generatedAtStart).toEqual(['AdminAPIKey', 'secrets.connor_jwt', 'secrets.token_key', 'secrets.trueconf_jwt']);
    expect(body.settings.log.format).toBe('json');
  });

  it('lists every problem at once, one per line, and exits 1 — for check and for serve alike', async () => {
    const { file, env } = await sandbox();
    writeFileSync(file, '[files]\nmax_size = 0\n[log]\nlevel = "loud"\n');
    const bad = { ...env, PARLEY_SERVR_LISTEN: '127.0.0.1:1' };
    for (const command of [['config', 'check'], ['serve']]) {
      const result = await runCli(command, { env: bad });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n').filter(Boolean)).toEqual([
        `parley ${command.join(' ')}: 3 configuration errors:`,
        '  PARLEY_SERVR_LISTEN: unknown environment variable (did you mean PARLEY_SERVER_LISTEN?)',
        `  files.max_size (in ${file}): must be an integer between 1 and 536870912, got 0`,
        `  log.level (in ${file}): must be one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
      ]);
    }
  });
});
