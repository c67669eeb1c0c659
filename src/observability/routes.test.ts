import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition } from '../../test/helpers/prometheus-text.js';
import { createMetrics } from './metrics.js';
import { createReadiness } from './readiness.js';
import { operationsRoutes, type OperationsRoutesOptions } from './routes.js';

const TOKEN = 'scrape-token-0123456789';
const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function appWith(options: Partial<OperationsRoutesOptions> & { reachable?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  const readiness = options.readiness ?? createReadiness({ store: { check: async () => ({ reachable: options.reachable ?? true, migrated: options.reachable === false ? null : true }) } });
  await app.register(operationsRoutes({ readiness, metrics: options.metrics === undefined ? { metrics: createMetrics(), token: '' } : options.metrics }));
  return app;
}

describe('operations routes', () => {
  it('GET /healthz answers 200 {"status":"ok"}, never cached', async () => {
    const res = await (await appWith({ reachable: false })).inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"status":"ok"}');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('GET /readyz answers 200 with every check when ready, and 503 naming the failing ones otherwise', async () => {
    const ready = await (await appWith()).inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', shutdown: 'ok' } });
    expect(ready.headers['cache-control']).toBe('no-store');
    const down = await (await appWith({ reachable: false })).inject('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'not ready', checks: { database: 'unreachable', migrations: 'unknown', shutdown: 'ok' } });
    expect(down.headers['cache-control']).toBe('no-store');
  });

  it('GET /metrics serves the Prometheus text format', async () => {
    const res = await (await appWith()).inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parseExposition(res.body).has('parley_bus_published_total')).toBe(true);
  });

  it('asks for the bearer token when one is configured: 401 with a challenge without it or with a wrong one', async () => {
    const app = await appWith({ metrics: { metrics: createMetrics(), token: TOKEN } });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`]) {
      const res = await app.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.json()).toEqual({ message: 'Unauthorized' });
    }
    const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
  });

  it('leaves /metrics to its own listener when told to', async () => {
    const res = await (await appWith({ metrics: null })).inject('/metrics');
    expect(res.statusCode).toBe(404);
  });

  it('describes each route with a schema (for the OpenAPI document)', async () => {
    const app = Fastify();
    apps.push(app);
    const schemas: Record<string, unknown> = {};
    app.addHook('onRoute', (route) => void (schemas[route.url] = route.schema));
    await app.register(operationsRoutes({ readiness: createReadiness({ store: { check: async () => ({ reachable: true, migrated: true }) } }), metrics: { metrics: createMetrics(), token: '' } }));
    expect(Object.keys(schemas).sort()).toEqual(['/healthz', '/metrics', '/readyz']);
    for (const schema of Object.values(schemas)) expect(schema).toHaveProperty('response.200');
    expect(schemas['/readyz']).toHaveProperty('response.503');
  });
});
