import { describe, expect, it } from 'vitest';
import type { StoreHealth } from '../storage/store-probe.js';
import { createReadiness } from './readiness.js';

const probe = (health: StoreHealth) => ({ check: async () => health });
const healthy: StoreHealth = { reachable: true, migrated: true };

describe('readiness', () => {
  it('is ready when the database answers and is migrated, leaving Redis out when none is configured', async () => {
    expect(await createReadiness({ store: probe(healthy) }).check()).toEqual({
      status: 'ready', checks: { database: 'ok', migrations: 'ok', shutdown: 'ok' },
    });
  });

  it('names an unreachable database and the migrations it could not read', async () => {
    const report = await createReadiness({ store: probe({ reachable: false, migrated: null }) }).check();
    expect(report).toEqual({ status: 'not ready', checks: { database: 'unreachable', migrations: 'unknown', shutdown: 'ok' } });
  });

  it('names pending migrations', async () => {
    const report = await createReadiness({ store: probe({ reachable: true, migrated: false }) }).check();
    expect(report.status).toBe('not ready');
    expect(report.checks['migrations']).toBe('pending');
  });

  it('names a disconnected Redis, and is ready again once it is back', async () => {
    let connected = false;
    const readiness = createReadiness({ store: probe(healthy), redisConnected: () => connected });
    expect(await readiness.check()).toEqual({ status: 'not ready', checks: { database: 'ok', migrations: 'ok', redis: 'disconnected', shutdown: 'ok' } });
    connected = true;
    expect((await readiness.check()).status).toBe('ready');
  });

  it('stays not ready for good once shutdown has begun, without touching the closing store', async () => {
    let probed = 0;
    const readiness = createReadiness({ store: { check: async () => (probed++, healthy) } });
    readiness.shuttingDown();
    const report = await readiness.check();
    expect(report.status).toBe('not ready');
    expect(report.checks['shutdown']).toBe('in progress');
    expect(probed).toBe(0);
  });
});
