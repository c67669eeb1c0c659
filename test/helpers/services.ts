import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Base URL of the machine's PostgreSQL (trust auth). Override with PARLEY_TEST_PG_URL. */
export const PG_BASE_URL = process.env['PARLEY_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The machine's Redis. Override with PARLEY_TEST_REDIS_URL. */
export const REDIS_URL = process.env['PARLEY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const inCI = process.env['CI'] === 'true' || process.env['CI'] === '1';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Whether a service's suite should run. Unreachable outside CI: skip (the caller passes the
 * result to describe.runIf). Unreachable under CI: throw, because CI must exercise it.
 */
export async function serviceAvailable(name: 'postgres' | 'redis'): Promise<boolean> {
  const ok = await reachable(name === 'postgres' ? PG_BASE_URL : REDIS_URL);
  if (!ok && inCI) throw new Error(`${name} is not reachable but CI=true requires it`);
  return ok;
}

/** A fresh, empty PostgreSQL database for one test file; `drop` removes it. */
export async function createTempDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_BASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_BASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A unique Redis channel prefix so concurrent test files never hear each other. */
export const uniquePrefix = (): string => `parley-test-${randomBytes(6).toString('hex')}`;
