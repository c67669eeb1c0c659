/**
 * A server under test, in its own process: `parley <dataDir>`, `bare` or `bare-rooms`. Reports its URL over IPC,
 * then answers `cpu`, `mem` and `stop` requests (ipc.ts). Exits when the parent goes away.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createArgon2PasswordHasher } from '../../src/auth/argon2-password-hasher.js';
import { loadConfig } from '../../src/config/load.js';
import { createServer } from '../../src/server.js';
import { startBareServer } from './bare-ws-server.js';
import type { ServerReply, ServerRequest } from './ipc.js';

const [kind, dataDir] = process.argv.slice(2);
const reply = (m: ServerReply): void => {
  // The parent may go away between the check and the write (its watchdog): ignore that EPIPE.
  if (process.connected) process.send?.(m, undefined, undefined, () => {});
};

async function start(): Promise<{ url: string; size: () => number; close: () => Promise<void> }> {
  if (kind === 'bare') return startBareServer();
  if (kind === 'bare-rooms') return startBareServer({ rooms: true });
  if (kind !== 'parley' || !dataDir) throw new Error('usage: server-child.ts parley <dataDir> | bare | bare-rooms');
  // One publisher sends far over the default flood limit (rate_limits.message), and bench:rooms
  // registers and logs in 400 users from one address (rate_limits.register/login): lift them, keep them metered.
  const lifted = '999999/1';
  const config = loadConfig({ env: { PARLEY_CONFIG: path.join(dataDir, 'settings.toml'), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_DATA_DIR: path.join(dataDir, 'data'), PARLEY_RATE_LIMITS_MESSAGE: lifted, PARLEY_RATE_LIMITS_REGISTER: lifted, PARLEY_RATE_LIMITS_LOGIN: lifted } });
  // Small argon2 parameters: logins are set-up here, not what is measured.
  const hasher = createArgon2PasswordHasher({ memoryCost: 1024, timeCost: 1 });
  const server = await createServer(config, { hasher, logger: pino({ level: 'silent' }) });
  return { url: server.url, size: () => server.gateway.size, close: () => server.close() };
}

/** Wait (bounded) until `conns` sockets are live and the event loop has been idle for two 200 ms windows. */
async function settle(size: () => number, conns: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last = performance.eventLoopUtilization();
  while (quiet < 2 && Date.now() < deadline) {
    await sleep(200);
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    quiet = size() === conns && busy < 0.05 ? quiet + 1 : 0;
  }
}

const server = await start();
let stopping: Promise<void> | undefined;
// The data dir goes with the server, so it is removed even when the parent was killed outright.
const stop = (): Promise<void> => (stopping ??= server.close().finally(async () => {
  if (kind === 'parley' && dataDir) await rm(dataDir, { recursive: true, force: true });
  reply({ type: 'stopped' });
  if (process.connected) process.disconnect();
}));
process.on('disconnect', () => void stop());

process.on('message', (msg: ServerRequest) => {
  void (async () => {
    if (msg.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      reply({ type: 'cpu', user, system });
    } else if (msg.type === 'mem') {
      const gc = (globalThis as { gc?: () => void }).gc;
      await settle(server.size, msg.conns, msg.timeoutMs);
      gc?.();
      gc?.();
      const m = process.memoryUsage();
      reply({ type: 'mem', rss: m.rss, heapUsed: m.heapUsed, external: m.external, conns: server.size(), gc: gc !== undefined });
    } else {
      await stop();
    }
  })();
});
reply({ type: 'ready', url: server.url });
