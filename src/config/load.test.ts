import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadSettings } from './load.js';
import { DEFAULT_SETTINGS, ENV_OVERRIDES, SettingsSchema } from './schema.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'parley-config-'));
  file = path.join(dir, 'settings.toml');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** loadConfig on `file` with only `env` (never the runner's process.env). */
const load = (env: Record<string, string> = {}) => loadConfig({ configPath: file, env });

/** The ConfigError that loading throws. */
function configError(env: Record<string, string> = {}): ConfigError {
  try {
    load(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}

/** A settings.toml first written by the loader, then edited by `edit`. */
function writeEdited(edit: (toml: string) => string): string {
  load();
  const original = readFileSync(file, 'utf8');
  const edited = edit(original);
  expect(edited).not.toBe(original);
  writeFileSync(file, edited);
  return edited;
}

describe('loadConfig on first run', () => {
  it('writes settings.toml with defaults, a UUID v4 AdminAPIKey and a random secret, readable only by the owner', () => {
    expect(existsSync(file)).toBe(false);
    const config = load();
    expect(config).toEqual({
      configPath: file,
      adminApiKey: expect.stringMatching(UUID_V4),
      server: { host: '127.0.0.1', port: 8080, dataDir: path.join(dir, 'data'), publicUrl: '', domain: 'localhost', registration: 'open', trustedProxies: [] },
      trueconf: { tokenTtlSeconds: 31_536_000, unreadCap: 1000, pingIntervalMs: 5000, pongTimeoutMs: 20_000 },
      files: { maxSize: 20_971_520, maxConcurrentUploads: 4, unsentRetentionHours: 24 },
      chatcli: { host: '127.0.0.1', port: 8765 },
      mail: { smtpUrl: '', from: 'Parley <parley@localhost>', outboxDir: path.join(dir, 'data', 'outbox') },
      rateLimits: {
        login: { capacity: 10, perSeconds: 60 },
        register: { capacity: 5, perSeconds: 600 },
        verify: { capacity: 10, perSeconds: 300 },
        reset: { capacity: 5, perSeconds: 3600 },
        refresh: { capacity: 30, perSeconds: 60 },
        message: { capacity: 200, perSeconds: 10 },
      },
      database: { url: '', sqliteFile: path.join(dir, 'data', 'parley.sqlite') },
      redis: { url: '', channel: 'parley:events' },
      secrets: { connorJwt: expect.any(String), tokenKey: expect.any(String), trueconfJwt: expect.any(String) },
      gateway: { maxBufferedBytes: DEFAULT_SETTINGS.gateway.max_buffered_bytes, pingIntervalMs: DEFAULT_SETTINGS.gateway.ping_interval_ms, authTimeoutMs: 30_000, accessPollMs: 1000 },
      log: { level: 'info', format: 'auto', access: false },
      metrics: { listen: null, token: '' },
      barertc: expect.objectContaining({ Title: 'BareRTC' }), // the defaults: protocols/barertc/settings.test.ts
      barertcFromEnv: [],
    });
    expect(config.secrets.connorJwt.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8')).toContain(config.adminApiKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates missing parent directories of the settings file', () => {
    file = path.join(dir, 'nested', 'deeper', 'settings.toml');
    load();
    expect(existsSync(file)).toBe(true);
  });

  it('gives each new file its own AdminAPIKey and secret', () => {
    const a = load();
    file = path.join(dir, 'other.toml');
    const b = load();
    expect(b.adminApiKey).not.toBe(a.adminApiKey);
    expect(b.secrets.connorJwt).not.toBe(a.secrets.connorJwt);
  });

  it('never rewrites an existing file, so later runs keep the same keys', () => {
    const first = load();
    const written = readFileSync(file, 'utf8');
    const second = load({ PARLEY_LISTEN: '0.0.0.0:9000' });
    expect(readFileSync(file, 'utf8')).toBe(written);
    expect(second.adminApiKey).toBe(first.adminApiKey);
    expect(second.secrets.connorJwt).toBe(first.secrets.connorJwt);
  });

  it('finds the file through PARLEY_CONFIG when no path is given', () => {
    const config = loadConfig({ env: { PARLEY_CONFIG: file } });
    expect(config.configPath).toBe(file);
    expect(existsSync(file)).toBe(true);
  });
});

describe('loadConfig overrides', () => {
  it('applies every PARLEY_* variable over the file', () => {
    const config = load({
      PARLEY_LISTEN: '0.0.0.0:0',
      PARLEY_DATA_DIR: '/var/lib/parley-test',
      PARLEY_DATABASE_URL: 'postgres://u@db.example:5432/parley',
      PARLEY_REDIS_URL: 'redis://cache.example:6379',
      PARLEY_REDIS_CHANNEL: 'chan',
      PARLEY_LOG_LEVEL: 'debug',
      PARLEY_CHATCLI_LISTEN: '[::1]:0',
      PARLEY_PUBLIC_URL: 'https://chat.example/',
      PARLEY_SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    expect(config.server).toEqual({ host: '0.0.0.0', port: 0, dataDir: '/var/lib/parley-test', publicUrl: 'https://chat.example', domain: 'chat.example', registration: 'open', trustedProxies: [] });
    expect(config.chatcli).toEqual({ host: '::1', port: 0 });
    expect(config.mail.smtpUrl).toBe('smtp://127.0.0.1:2525');
    expect(config.database).toEqual({ url: 'postgres://u@db.example:5432/parley', sqliteFile: '/var/lib/parley-test/parley.sqlite' });
    expect(config.redis).toEqual({ url: 'redis://cache.example:6379', channel: 'chan' });
    expect(config.log.level).toBe('debug');
  });

  it('documents an override for exactly these variables', () => {
    expect(Object.keys(ENV_OVERRIDES).sort()).toEqual(['PARLEY_CHATCLI_LISTEN', 'PARLEY_DATABASE_URL', 'PARLEY_DATA_DIR', 'PARLEY_DOMAIN', 'PARLEY_LISTEN', 'PARLEY_LOG_LEVEL', 'PARLEY_PUBLIC_URL', 'PARLEY_REDIS_CHANNEL', 'PARLEY_REDIS_URL', 'PARLEY_REGISTRATION', 'PARLEY_SMTP_URL']);
  });

  it('accepts empty database and redis URLs as "SQLite" and "in-process bus"', () => {
    const config = load({ PARLEY_DATABASE_URL: '', PARLEY_REDIS_URL: '' });
    expect(config.database.url).toBe('');
    expect(config.redis.url).toBe('');
  });

  it('accepts postgresql:// and rediss:// spellings', () => {
    const config = load({ PARLEY_DATABASE_URL: 'postgresql://x/y', PARLEY_REDIS_URL: 'rediss://x:6380' });
    expect(config.database.url).toBe('postgresql://x/y');
    expect(config.redis.url).toBe('rediss://x:6380');
  });

  it('strips the brackets of an IPv6 listen address', () => {
    expect(load({ PARLEY_LISTEN: '[::1]:0' }).server).toMatchObject({ host: '::1', port: 0 });
  });

  it('resolves a relative data_dir against the settings file, not the working directory', () => {
    writeEdited((t) => t.replace(/data_dir = .*/, 'data_dir = "state/db"'));
    expect(load().server.dataDir).toBe(path.join(dir, 'state', 'db'));
  });

  it('reads values from an existing file and fills sections it lacks with defaults', () => {
    writeEdited((t) => t.replace(/listen = .*/, 'listen = "127.0.0.1:7000"').replace(/\[gateway\][^[]*/, ''));
    const config = load();
    expect(config.server.port).toBe(7000);
    expect(config.gateway.maxBufferedBytes).toBe(DEFAULT_SETTINGS.gateway.max_buffered_bytes);
  });
});

describe('loadConfig result', () => {
  it('is deeply frozen: assigning to it throws', () => {
    const config = load();
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { adminApiKey: string }).adminApiKey = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.secrets as { connorJwt: string }).connorJwt = 'x';
    }).toThrow(TypeError);
    expect(config.server.port).toBe(8080);
  });
});

describe('loadConfig errors', () => {
  it.each([
    ['PARLEY_LISTEN', 'nonsense', 'server.listen'],
    ['PARLEY_LISTEN', '127.0.0.1', 'server.listen'],
    ['PARLEY_LISTEN', '127.0.0.1:123456', 'server.listen'],
    ['PARLEY_DATA_DIR', '', 'server.data_dir'],
    ['PARLEY_DATABASE_URL', 'mysql://x', 'database.url'],
    ['PARLEY_REDIS_URL', 'http://x', 'redis.url'],
    ['PARLEY_REDIS_CHANNEL', '', 'redis.channel'],
    ['PARLEY_LOG_LEVEL', 'loud', 'log.level'],
  ])('rejects %s=%j with one line naming %s and the variable', (variable, value, key) => {
    const e = configError({ [variable]: value });
    expect(e.name).toBe('ConfigError');
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(`${key} (from ${variable}): `)).toBe(true);
    expect(e.message).toContain(JSON.stringify(value));
  });

  it('rejects a port above 65535 with one line naming server.listen', () => {
    const e = configError({ PARLEY_LISTEN: '127.0.0.1:70000' });
    expect(e.message).not.toContain('\n');
    expect(e.message).toMatch(/^server\.listen \(from PARLEY_LISTEN\): port 70000 is out of range/);
  });

  it('refuses a misspelt key or an unknown section instead of ignoring it', () => {
    writeEdited((t) => t.replace(/^listen = /m, 'listne = '));
    expect(configError().message).toBe(`server.listne (in ${file}): unknown setting`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('listne = ', 'listen = ') + '\n[extra]\nx = 1\n');
    expect(configError().message).toBe(`extra (in ${file}): unknown setting`);
  });

  it('refuses a section given as a plain value', () => {
    writeEdited((t) => t.replace(/^\[server\]\n(?:(?!\[)[^\n]*\n)*/m, '').replace(/^AdminAPIKey = (.*)$/m, 'AdminAPIKey = $1\nserver = 5'));
    expect(configError().message).toMatch(/^server \(in .*\): .*got 5$/);
  });

  it('lists the allowed log levels', () => {
    expect(configError({ PARLEY_LOG_LEVEL: 'loud' }).message).toBe('log.level (from PARLEY_LOG_LEVEL): must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
  });

  it('rejects a bad value in the file with one line naming the key and the file', () => {
    writeEdited((t) => t.replace(/max_buffered_bytes = .*/, 'max_buffered_bytes = 10'));
    const e = configError();
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(`gateway.max_buffered_bytes (in ${file}): `)).toBe(true);
    expect(e.message).toContain('got 10');
  });

  it.each([
    ['max_concurrent_uploads', 0],
    ['unsent_retention_hours', 0],
  ])('rejects files.%s = %s with one line naming the key', (key, value) => {
    writeEdited((t) => t.replace(new RegExp(`^${key} = .*$`, 'm'), `${key} = ${value}`));
    expect(configError().message).toMatch(new RegExp(`^files\\.${key} \\(in .*\\): .*got ${value}$`));
  });

  it('rejects a value of the wrong type in the file', () => {
    writeEdited((t) => t.replace(/listen = .*/, 'listen = 8080'));
    expect(configError().message).toMatch(/^server\.listen \(in .*\): .*string.*got 8080$/);
  });

  it('adds a secret missing from an existing file under [secrets], keeping every other value', () => {
    const before = load();
    const edited = writeEdited((t) => t.replace(/token_key = .*\n/, ''));
    const after = load();
    expect(after.secrets.connorJwt).toBe(before.secrets.connorJwt);
    expect(after.adminApiKey).toBe(before.adminApiKey);
    expect(after.secrets.tokenKey).not.toBe(before.secrets.tokenKey);
    expect(after.secrets.tokenKey.length).toBeGreaterThanOrEqual(32);
    const text = readFileSync(file, 'utf8');
    expect(text.replace(/token_key = .*\n/, '')).toBe(edited);
    expect(load().secrets.tokenKey).toBe(after.secrets.tokenKey); // written once, then kept
  });

  it('adds the whole [secrets] section when an existing file lacks it', () => {
    writeEdited((t) => t.replace(/\[secrets\][^[]*/, ''));
    const config = load();
    expect(config.secrets.connorJwt.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8')).toMatch(/\[secrets\]\nconnor_jwt = ".+"\ntoken_key = ".+"\ntrueconf_jwt = ".+"\n$/);
  });

  it('rejects a secret shorter than 32 characters without printing it', () => {
    writeEdited((t) => t.replace(/connor_jwt = .*/, 'connor_jwt = "short-but-secret"'));
    const message = configError().message;
    expect(message).toMatch(/^secrets\.connor_jwt \(in .*\): .*32.*got \(hidden\)$/);
    expect(message).not.toContain('short-but-secret');
  });

  it('hides the credentials of a bad URL', () => {
    const message = configError({ PARLEY_DATABASE_URL: 'mysql://admin:S3cretPw@db/x' }).message;
    expect(message).toContain('database.url (from PARLEY_DATABASE_URL)');
    expect(message).not.toContain('S3cretPw');
  });

  it('generates AdminAPIKey when an existing file lacks it, and writes it at the top', () => {
    writeEdited((t) => t.replace(/AdminAPIKey = .*/, ''));
    const config = load();
    expect(config.adminApiKey).toMatch(UUID_V4);
    expect(readFileSync(file, 'utf8').startsWith(`AdminAPIKey = "${config.adminApiKey}"\n`)).toBe(true);
    expect(load().adminApiKey).toBe(config.adminApiKey);
  });

  it('reports malformed TOML in one line naming the file', () => {
    writeFileSync(file, 'AdminAPIKey = "unterminated\n[server\nlisten = 1\n');
    const e = configError();
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(`${file}: cannot read settings: `)).toBe(true);
  });

  it('reports an unreadable settings path in one line naming the file', () => {
    mkdirSync(file); // a directory where the file should be: reading fails (even as root)
    const e = configError();
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(`${file}: cannot read settings: `)).toBe(true);
  });
});

describe('numeric settings', () => {
  /** Every integer setting of the schema with its bounds, e.g. ['files', 'max_size', 1, 536870912]. */
  const integerSettings = Object.entries(SettingsSchema.properties).flatMap(([section, s]) =>
    Object.entries((s as { properties?: Record<string, { type?: string; minimum?: number; maximum?: number }> }).properties ?? {})
      .filter(([, k]) => k.type === 'integer')
      .map(([key, k]) => [section, key, k.minimum, k.maximum] as const));

  /** Set `section.key` in the file written on first run (keys repeat across sections, e.g. ping_interval_ms). */
  const setInFile = (section: string, key: string, value: string) =>
    writeEdited((t) => t.replace(new RegExp(`(\\[${section}\\][^[]*?^${key} = ).*$`, 'm'), `$1${value}`));

  it('gives every integer setting both bounds', () => {
    expect(integerSettings.length).toBeGreaterThan(10);
    for (const [section, key, min, max] of integerSettings) {
      expect(Number.isSafeInteger(min), `${section}.${key} minimum`).toBe(true);
      expect(Number.isSafeInteger(max), `${section}.${key} maximum`).toBe(true);
    }
  });

  it('caps files.max_size at 512 MiB, below what a database blob can hold', () => {
    expect(integerSettings.find(([s, k]) => s === 'files' && k === 'max_size')).toEqual(['files', 'max_size', 1, 536_870_912]);
  });

  it.each([['1e300', '1e+300'], ['1.5', '1.5'], ['-1', '-1'], ['inf', 'Infinity'], ['nan', 'NaN'], ['"20"', '"20"']])(
    'rejects %s for every integer setting with one line naming the key and its bounds', (toml, shown) => {
      for (const [section, key, min, max] of integerSettings) {
        setInFile(section, key, toml);
        expect(configError().message).toBe(`${section}.${key} (in ${file}): must be an integer between ${min} and ${max}, got ${shown}`);
        rmSync(file);
      }
    });

  it('rejects a value just over the maximum, and accepts the maximum itself', () => {
    for (const [section, key, , max] of integerSettings) {
      setInFile(section, key, String(max));
      expect(() => load()).not.toThrow();
      writeFileSync(file, readFileSync(file, 'utf8').replace(new RegExp(`(\\[${section}\\][^[]*?^${key} = ).*$`, 'm'), `$1${max! + 1}`));
      expect(configError().message).toMatch(new RegExp(`^${section}\\.${key} \\(in .*\\): must be an integer between .*, got ${max! + 1}$`));
      rmSync(file);
    }
  });

  it.each(['99999999999999999999/60', '10/99999999999999999999', '1000000/60', '10/10000000', '0/60', '10/0', '1.5/60', 'abc'])('rejects the rate limit %j with the expected form', (rate) => {
    setInFile('rate_limits', 'login', JSON.stringify(rate));
    expect(configError().message).toBe(`rate_limits.login (in ${file}): must be "<attempts>/<seconds>" with attempts 1-999999 and seconds 1-9999999, got ${JSON.stringify(rate)}`);
  });
});

describe('loadConfig environment (PARLEY_<SECTION>_<KEY>)', () => {
  it('reads every setting as PARLEY_<SECTION>_<KEY>, typed by the schema, lists comma-separated', () => {
    const config = load({
      PARLEY_SERVER_LISTEN: '0.0.0.0:9000',
      PARLEY_SERVER_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8,,2001:db8::/32',
      PARLEY_RATE_LIMITS_LOGIN: '3/60',
      PARLEY_GATEWAY_PING_INTERVAL_MS: '1500',
      PARLEY_LOG_ACCESS: 'true',
      PARLEY_LOG_FORMAT: 'json',
      PARLEY_METRICS_LISTEN: '127.0.0.1:9100',
      PARLEY_BARERTC_TITLE: 'Our chat',
      PARLEY_BARERTC_JWT_ENABLED: 'yes',
      PARLEY_BARERTC_CORSHOSTS: 'https://a.example,https://b.example',
    });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9000, trustedProxies: ['loopback', '10.0.0.0/8', '2001:db8::/32'] });
    expect(config.rateLimits?.login).toEqual({ capacity: 3, perSeconds: 60 });
    expect(config.gateway.pingIntervalMs).toBe(1500);
    expect(config.log).toEqual({ level: 'info', format: 'json', access: true });
    expect(config.metrics.listen).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(config.barertc.Title).toBe('Our chat');
    expect(config.barertc.JWT.Enabled).toBe(true);
    expect(config.barertc.CORSHosts).toEqual(['https://a.example', 'https://b.example']);
  });

  it('turns rate limits off with PARLEY_RATE_LIMITS_ENABLED=false', () => {
    expect(load({ PARLEY_RATE_LIMITS_ENABLED: 'false' }).rateLimits).toBeNull();
  });

  it('reads a secret from the file a *_FILE variable names, and never writes it into settings.toml', () => {
    const secretFile = path.join(dir, 'token_key');
    writeFileSync(secretFile, 'from-a-file-from-a-file-from-a-file-0123\n');
    writeFileSync(file, '[server]\nlisten = "127.0.0.1:0"\n');
    const config = load({ PARLEY_SECRETS_TOKEN_KEY_FILE: secretFile, PARLEY_ADMIN_API_KEY: 'admin-key-admin-key-0000' });
    expect(config.secrets.tokenKey).toBe('from-a-file-from-a-file-from-a-file-0123');
    expect(config.adminApiKey).toBe('admin-key-admin-key-0000');
    const written = readFileSync(file, 'utf8');
    expect(written).not.toContain('token_key');
    expect(written).not.toContain('AdminAPIKey');
    // The secrets nobody gave were generated and kept.
    expect(written).toContain(`connor_jwt = "${config.secrets.connorJwt}"`);
  });

  it('works with a settings file holding only the keys an operator changed', () => {
    writeFileSync(file, '[server]\nregistration = "invite"\n');
    const config = load();
    expect(config.server.registration).toBe('invite');
    expect(config.server.port).toBe(8080);
    expect(config.adminApiKey).toMatch(UUID_V4);
    expect(load().secrets).toEqual(config.secrets);
  });

  it('lets the current name win over an earlier version\'s name', () => {
    expect(load({ PARLEY_LISTEN: '127.0.0.1:1', PARLEY_SERVER_LISTEN: '127.0.0.1:2' }).server.port).toBe(2);
    expect(load({ PARLEY_SERVER_LISTEN: '127.0.0.1:2', PARLEY_LISTEN: '127.0.0.1:1' }).server.port).toBe(2);
  });

  it('reports a misspelt PARLEY_* variable with the name it is closest to, and ignores PARLEY_TEST_*', () => {
    expect(configError({ PARLEY_SERVR_LISTEN: '127.0.0.1:1' }).message).toBe('PARLEY_SERVR_LISTEN: unknown environment variable (did you mean PARLEY_SERVER_LISTEN?)');
    expect(configError({ PARLEY_WHATEVER: '1' }).message).toBe('PARLEY_WHATEVER: unknown environment variable');
    expect(() => load({ PARLEY_TEST_LOG: 'debug', PARLEY_CONFIG: file })).not.toThrow();
  });

  it('names a *_FILE variable whose file cannot be read', () => {
    expect(configError({ PARLEY_SECRETS_TOKEN_KEY_FILE: path.join(dir, 'missing') }).message).toBe(`PARLEY_SECRETS_TOKEN_KEY_FILE: cannot read ${path.join(dir, 'missing')}: ENOENT`);
  });

  it('lists every problem at once, one line each', () => {
    writeEdited((t) => t.replace(/^max_size = .*$/m, 'max_size = 0'));
    const e = configError({ PARLEY_LOG_LEVEL: 'loud', PARLEY_SERVER_TRUSTED_PROXIES: 'loopback,not-an-address', PARLEY_SERVR_LISTEN: 'x' });
    expect(e.problems).toEqual([
      'PARLEY_SERVR_LISTEN: unknown environment variable (did you mean PARLEY_SERVER_LISTEN?)',
      `files.max_size (in ${file}): must be an integer between 1 and 536870912, got 0`,
      'log.level (from PARLEY_LOG_LEVEL): must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
    expect(e.message).toBe(e.problems.join('\n'));
    // Once those are fixed, the proxy list's own problem shows.
    expect(configError({ PARLEY_SERVER_TRUSTED_PROXIES: 'loopback,not-an-address', PARLEY_FILES_MAX_SIZE: '1' }).message).toBe(
      'server.trusted_proxies (from PARLEY_SERVER_TRUSTED_PROXIES): "not-an-address" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal',
    );
  });

  it('writes nothing when only checking (readOnly), and says which secrets a start would generate', () => {
    const checked = loadSettings({ configPath: file, env: {}, readOnly: true });
    expect(existsSync(file)).toBe(false);
    expect(checked.generatedAtStart).toEqual(['AdminAPIKey', 'secrets.connor_jwt', 'secrets.token_key', 'secrets.trueconf_jwt']);
    expect(checked.settings.server.listen).toBe('127.0.0.1:8080');
  });
});
