import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { createArgon2PasswordHasher } from '../../src/auth/argon2-password-hasher.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createServer, type ParleyServer } from '../../src/server.js';

/** A node started for one test, on port 0 in its own temp dir. */
export interface TestNode {
  readonly server: ParleyServer;
  readonly config: Config;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** ws://127.0.0.1:PORT */
  readonly wsUrl: string;
  readonly dir: string;
  /** Stop the server and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** argon2id with small parameters: the same code path, fast enough for hundreds of logins in tests. */
export const fastHasher = createArgon2PasswordHasher({ memoryCost: 1024, timeCost: 1 });

/** Tests make many accounts from one address; suites that test the limits turn them back on. */
export const NO_RATE_LIMITS = '[rate_limits]\nenabled = false\n';

/**
 * BareRTC's presence and who warm-ups (30 s and 15 s after start) off, so tests see presences and
 * who lists at once; a test that writes its own `[barertc.Timings]` in `extra` replaces this.
 */
export const NO_BARERTC_WARMUPS = '[barertc.Timings]\nPresenceWarmupSeconds = 0\nWhoWarmupSeconds = 0\n';

/** A complete settings.toml for tests, with `extra` TOML sections appended. */
export const testSettings = (extra = ''): string =>
  `AdminAPIKey = "00000000-0000-4000-8000-000000000000"\n${extra}\n[secrets]\nconnor_jwt = "test-secret-test-secret-test-secret!"\n` +
  'token_key = "test-token-key-test-token-key-test-token-key"\ntrueconf_jwt = "test-trueconf-test-trueconf-test-trueconf"\n' +
  (extra.includes('[barertc.Timings]') ? '' : `\n${NO_BARERTC_WARMUPS}`);

/**
 * Start a node in-process with a fresh settings.toml. `env` adds PARLEY_* overrides (e.g.
 * PARLEY_DATABASE_URL, PARLEY_REDIS_URL). Pass `dir` to reuse a data directory (restarts), and
 * `settings` to write settings.toml first (see testSettings); by default a fresh node gets
 * testSettings with rate limits off. Pass `logger` to capture the node's log (see captureLog), and
 * `shutdown` to record BareRTC's /api/shutdown (the default does nothing).
 */
export async function startNode(options: { env?: Record<string, string>; dir?: string; settings?: string; logger?: Logger; shutdown?: () => void } = {}): Promise<TestNode> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'parley-test-')));
  if (!options.dir || options.settings !== undefined) await writeFile(path.join(dir, 'settings.toml'), options.settings ?? testSettings(NO_RATE_LIMITS));
  const config = loadConfig({ env: { PARLEY_CONFIG: path.join(dir, 'settings.toml'), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', PARLEY_DATA_DIR: path.join(dir, 'data'), ...options.env } });
  // BareRTC's /api/shutdown must never exit the test process: a no-op unless the test records it.
  const server = await createServer(config, { hasher: fastHasher, logger: options.logger ?? pino({ level: process.env['PARLEY_TEST_LOG'] ?? 'silent' }), shutdown: options.shutdown ?? (() => undefined) });
  let stopped: Promise<void> | undefined;
  return {
    server,
    config,
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    dir,
    stop: () => (stopped ??= (async () => {
      await server.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    })()),
  };
}

/** A logger that keeps every entry (level info and up), parsed, for assertions on what was logged. */
export interface CapturedLog {
  readonly logger: Logger;
  readonly entries: readonly Record<string, unknown>[];
  /** The entries at error level or above (pino: 50 error, 60 fatal). */
  errors(): Record<string, unknown>[];
  /** Forget every entry so far. */
  clear(): void;
}

/** A pino logger writing into memory, to pass as `startNode({ logger })`. */
export function captureLog(): CapturedLog {
  const entries: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>) });
  return {
    logger,
    entries,
    errors: () => entries.filter((e) => typeof e['level'] === 'number' && e['level'] >= 50),
    clear: () => void entries.splice(0),
  };
}
