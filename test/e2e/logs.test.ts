import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, killChildren, makeTempDir, removeDirs, startServe } from '../helpers/cli-process.js';
import { captureLog, startNode, testSettings, type CapturedLog, type TestNode } from '../helpers/start-node.js';
import { eventually } from '../helpers/wait.js';

// Issue 12 item 4: what an operator reads in the log. Failed password logins are warnings with
// the client's address (behind a trusted proxy, the forwarded one), `log.access` writes one line
// per request, the start-up banner says what runs where, 429 answers say when to come back
// (Retry-After), and `log.format` gives people pretty lines and collectors JSON lines.

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const PASSWORD = 'Passw0rd!';
/** A documentation address (RFC 5737) as the client a proxy forwards. */
const CLIENT = '203.0.113.7';
const AGENT = 'parley-logs-test/1';

/** pino's warn level. */
const WARN = 40;
const INFO = 30;

/** POST JSON over a real socket from 127.0.0.1, as forwarded by a proxy for CLIENT. */
const postJson = (node: TestNode, route: string, body: unknown): Promise<Response> =>
  fetch(`${node.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': CLIENT, 'user-agent': AGENT }, body: JSON.stringify(body) });

/** A connor login attempt (connor.md §5); resolves with its status. */
const connorLogin = async (node: TestNode, username: string, secret: string): Promise<number> => {
  const res = await postJson(node, '/api/v1/login', { username, secret });
  await res.arrayBuffer();
  return res.status;
};

const ofEvent = (log: CapturedLog, event: string) => log.entries.filter((e) => e['event'] === event);

/** The access line of the one request to `path` (written once the response has gone, so awaited). */
const accessLineFor = (log: CapturedLog, path: string) => eventually(() => {
  const lines = ofEvent(log, 'access').filter((e) => e['path'] === path);
  expect(lines).toHaveLength(1);
  return lines[0]!;
});

describe('a node behind a trusted proxy, with the access log on', () => {
  const log = captureLog();
  let node: TestNode | undefined;
  let startup: Record<string, unknown>[] = [];

  beforeAll(async () => {
    node = await startNode({ logger: log.logger, env: { PARLEY_SERVER_TRUSTED_PROXIES: 'loopback', PARLEY_LOG_ACCESS: 'true' } });
    // What start-up logged, before any test clears the log.
    startup = [...log.entries];
    await node.server.core.users.register({ username: 'alice', password: PASSWORD });
  });
  afterAll(() => node?.stop());
  // Access lines are written after the response has gone: one for a marker request marks the end
  // of the test's lines, so none of them lands in the next test's log.
  let markers = 0;
  afterEach(async () => {
    const marker = `/log-marker-${++markers}`;
    await (await fetch(`${node!.url}${marker}`)).arrayBuffer();
    await accessLineFor(log, marker);
    log.clear();
  });

  it('logs one warning for a wrong password, with the name, the forwarded address and PASSWORD_MISMATCH', async () => {
    expect(await connorLogin(node!, 'alice', 'wrong-password')).toBe(401);
    const failed = ofEvent(log, 'login_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: WARN, event: 'login_failed', username: 'alice', address: CLIENT, reason: 'PASSWORD_MISMATCH',
      msg: `failed login for "alice" from ${CLIENT} (PASSWORD_MISMATCH)`,
    });
  });

  it('logs USER_NOT_FOUND for a name nobody has', async () => {
    expect(await connorLogin(node!, 'nobody-here', 'whatever')).toBe(400);
    expect(ofEvent(log, 'login_failed')).toEqual([expect.objectContaining({ level: WARN, username: 'nobody-here', address: CLIENT, reason: 'USER_NOT_FOUND' })]);
  });

  it("logs the same warning for ChatCLI's and TrueConf's password logins", async () => {
    const chatcli = await postJson(node!, '/user/login', { username: 'alice', password: 'wrong-password' });
    // chatcli.md §5.5: 400 "Username or password is incorrect!".
    expect(chatcli.status).toBe(400);
    const trueconf = await postJson(node!, '/bridge/api/client/v1/oauth/token', { client_id: 'chat_bot', grant_type: 'password', username: 'alice', password: 'wrong-password' });
    expect(trueconf.status).toBeGreaterThanOrEqual(400);
    expect(ofEvent(log, 'login_failed')).toEqual([
      expect.objectContaining({ level: WARN, username: 'alice', address: CLIENT, reason: 'PASSWORD_MISMATCH' }),
      expect.objectContaining({ level: WARN, username: 'alice', address: CLIENT, reason: 'PASSWORD_MISMATCH' }),
    ]);
  });

  it('logs no warning for a successful login', async () => {
    expect(await connorLogin(node!, 'alice', PASSWORD)).toBe(200);
    // The access line comes after the handler: once it is there, so would a warning be.
    await accessLineFor(log, '/api/v1/login');
    expect(ofEvent(log, 'login_failed')).toEqual([]);
  });

  it('writes one access line per request, with the method, path, status, time, agent and the forwarded address', async () => {
    expect(await connorLogin(node!, 'alice', 'wrong-password')).toBe(401);
    const line = await accessLineFor(log, '/api/v1/login');
    expect(line).toMatchObject({ level: INFO, event: 'access', method: 'POST', path: '/api/v1/login', status: 401, address: CLIENT, agent: AGENT });
    expect(line['ms']).toEqual(expect.any(Number));
    expect(line['msg']).toBe(`${CLIENT} POST /api/v1/login 401`);
  });

  it('keeps credentials in query strings out of the access line (a reset link, a BareRTC launch JWT)', async () => {
    // Both are bearer secrets: ChatCLI's reset link (chatcli.md §5.8) resets the password, and
    // BareRTC's `/?jwt=` (barertc.md §5) signs its holder in. A log collector must not get them.
    const secrets = { '/user/reset-password': 'SeCrEtResetToken0123456789abcdef', '/': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl' };
    for (const [route, secret] of Object.entries(secrets)) {
      const res = await fetch(`${node!.url}${route}?${route === '/' ? 'jwt' : 'token'}=${secret}`, { headers: { 'user-agent': AGENT } });
      await res.arrayBuffer();
      const line = await eventually(() => {
        const found = ofEvent(log, 'access').find((e) => e['path'] === route);
        expect(found, `an access line for GET ${route}`).toBeDefined();
        return found!;
      });
      expect(line).toMatchObject({ method: 'GET', status: res.status });
      expect(JSON.stringify(line), `the access line of GET ${route}`).not.toContain(secret);
    }
  });

  it('logs the banner once at start-up: version, config file, database, bus and listeners', () => {
    const n = node!;
    const banners = startup.filter((e) => typeof e['msg'] === 'string' && e['msg'].startsWith(`Parley ${VERSION} ready — `));
    expect(banners).toHaveLength(1);
    const configPath = path.join(n.dir, 'settings.toml');
    const database = `SQLite ${n.config.database.sqliteFile}`;
    expect(banners[0]).toMatchObject({
      level: INFO, version: VERSION, config: configPath, database, bus: 'in-process (single node)',
      listeners: { main: n.url, chatcli: n.server.chatcliUrl, metrics: `${n.url}/metrics` }, trustedProxies: ['loopback'],
    });
    expect(n.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(n.server.chatcliUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(banners[0]!['msg']).toBe(
      `Parley ${VERSION} ready — config ${configPath}; database ${database}; bus in-process (single node); ` +
        `main ${n.url}, ChatCLI ${n.server.chatcliUrl}, metrics ${n.url}/metrics; trusted proxies: loopback`,
    );
  });
});

describe('a node that trusts no proxy', () => {
  const log = captureLog();
  let node: TestNode | undefined;

  beforeAll(async () => {
    node = await startNode({ logger: log.logger, env: { PARLEY_LOG_ACCESS: 'true' } });
    await node.server.core.users.register({ username: 'alice', password: PASSWORD });
  });
  afterAll(() => node?.stop());

  it('ignores X-Forwarded-For: the warning and the access line carry the peer, 127.0.0.1', async () => {
    expect(await connorLogin(node!, 'alice', 'wrong-password')).toBe(401);
    expect(ofEvent(log, 'login_failed')).toEqual([expect.objectContaining({ username: 'alice', address: '127.0.0.1', reason: 'PASSWORD_MISMATCH' })]);
    expect(await accessLineFor(log, '/api/v1/login')).toMatchObject({ address: '127.0.0.1', status: 401 });
  });
});

describe('Retry-After on 429 answers', () => {
  let node: TestNode | undefined;
  /** Windows of the limits this node runs with (seconds). */
  const REGISTER_WINDOW = 600;
  const LOGIN_WINDOW = 60;

  beforeAll(async () => {
    node = await startNode({ settings: testSettings(`[rate_limits]\nenabled = true\nregister = "1/${REGISTER_WINDOW}"\nlogin = "2/${LOGIN_WINDOW}"\n`) });
  });
  afterAll(() => node?.stop());

  /** Retry-After as whole seconds, between 1 and the window (RFC 9110 §10.2.3, delay-seconds). */
  const expectRetryAfter = (res: Response, window: number) => {
    const value = res.headers.get('retry-after');
    expect(value).toMatch(/^\d+$/);
    expect(Number(value)).toBeGreaterThanOrEqual(1);
    expect(Number(value)).toBeLessThanOrEqual(window);
  };

  it("connor's sign-up: the second from one address answers 429 RATE_LIMITED with Retry-After", async () => {
    const first = await postJson(node!, '/api/v1/users', { username: 'first1', secret: PASSWORD });
    expect(first.status).toBe(201);
    const second = await postJson(node!, '/api/v1/users', { username: 'second1', secret: PASSWORD });
    expect(second.status).toBe(429);
    expectRetryAfter(second, REGISTER_WINDOW);
    expect(await second.json()).toMatchObject({ error: { type: 'RATE_LIMITED' }, data: null });
    // A successful answer carries none.
    expect(first.headers.get('retry-after')).toBeNull();
  });

  it("ChatCLI's login: the third attempt in the window answers 429 with Retry-After", async () => {
    const attempt = () => postJson(node!, '/user/login', { username: 'ghost', password: PASSWORD });
    for (let i = 0; i < 2; i++) {
      const res = await attempt();
      expect(res.status).not.toBe(429);
      expect(res.headers.get('retry-after')).toBeNull();
    }
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expectRetryAfter(limited, LOGIN_WINDOW);
    expect(await limited.json()).toStrictEqual({ status: 'error', message: 'Too many requests, try again later', response: '' });
  });
});

describe('log.format in a `parley serve` process', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await killChildren();
    await removeDirs(dirs);
  });

  const serveEnv = async (): Promise<Record<string, string>> => {
    const dir = await makeTempDir('parley-logs-');
    dirs.push(dir);
    return { PARLEY_CONFIG: path.join(dir, 'settings.toml'), PARLEY_DATA_DIR: path.join(dir, 'data'), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', PARLEY_LOG_LEVEL: 'info' };
  };

  it('writes JSON lines by default when stdout is not a terminal (auto)', async () => {
    const serve = await startServe(await serveEnv());
    try {
      expect(serve.logs.filter((e) => e['unparsed'] === true)).toEqual([]);
      expect(serve.logs.some((e) => typeof e['msg'] === 'string' && e['msg'].startsWith(`Parley ${VERSION} ready — `) && e['level'] === INFO)).toBe(true);
    } finally {
      expect(await serve.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('writes human-readable lines with PARLEY_LOG_FORMAT=pretty, not JSON', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env: cliEnv({ ...(await serveEnv()), PARLEY_LOG_FORMAT: 'pretty' }), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const lines: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "parley listening" line within 20 s; stdout: ${lines.join('\n')}; stderr: ${stderr}`)), 20_000);
        createInterface({ input: child.stdout }).on('line', (line) => {
          lines.push(line);
          if (line.includes('parley listening on ')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`serve exited (${code}) before listening; stderr: ${stderr}`));
        });
      });
      // pino-pretty: `[YYYY-MM-DD HH:MM:SS.mmm] LEVEL: message`, fields on the lines below; no colours on a pipe.
      const banner = lines.find((l) => l.includes(`Parley ${VERSION} ready — `));
      expect(banner).toMatch(new RegExp(`^\\[\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\] INFO: Parley ${VERSION.replace(/\./g, '\\.')} ready — `));
      expect(lines.find((l) => l.includes('parley listening on '))).toMatch(/^\[[^\]]+\] INFO: parley listening on http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines.filter((l) => l.trimStart().startsWith('{"'))).toEqual([]);
      expect(lines.join('\n')).not.toContain('\u001b[');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
