import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../helpers/prometheus-text.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../helpers/start-node.js';
import { eventually } from '../helpers/wait.js';
import { connect, type TestSocket } from '../helpers/ws-client.js';

/**
 * Issue 12 item 3: /healthz, /readyz and /metrics on real nodes. Readiness against PostgreSQL
 * and Redis is tested through TCP forwarders the test cuts and restores, so the machine's shared
 * services are never stopped.
 */

const TOKEN = 'scrape-token-0123456789abcdef';
const nodes: TestNode[] = [];
const sockets: TestSocket[] = [];
const start = async (options: Parameters<typeof startNode>[0] = {}) => {
  const node = await startNode(options);
  nodes.push(node);
  return node;
};
afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  for (const n of nodes.splice(0)) await n.stop();
});

const scrape = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
};
const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
};

describe('health on SQLite', () => {
  it('GET /healthz answers 200 {"status":"ok"} with Cache-Control: no-store', async () => {
    const node = await start();
    const res = await fetch(`${node.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('{"status":"ok"}');
  });

  it('GET /readyz answers 200 with the database, migrations and shutdown checks', async () => {
    const node = await start();
    const res = await fetch(`${node.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', shutdown: 'ok' } });
  });

  it('answers 503 on /readyz as soon as close() begins, while sockets are still being closed', async () => {
    const node = await start();
    // A WebSocket client that never reads: shutdown waits (up to 2 s) for it to answer the close.
    const stuck = await stuckUpgrade(new URL(node.url), '/ws');
    try {
      const closing = node.stop();
      const { status, body } = await readyz(node.url);
      expect(status).toBe(503);
      expect(body.status).toBe('not ready');
      expect(body.checks['shutdown']).toBe('in progress');
      await closing;
    } finally {
      stuck.destroy();
    }
  });
});

describe('metrics', () => {
  it('move when a message flows: sockets, messages in and out, group commits, bus publishes', async () => {
    const node = await start();
    const before = await scrape(node.url);
    expect(before.get('parley_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    const token = await connorLogin(node, 'ada');
    const writer = await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, token);
    const reader = await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, token);
    sockets.push(writer, reader);
    writer.send(JSON.stringify({ text: 'hello metrics' }));
    await eventually(() => expect(reader.received.some((f) => f.includes('hello metrics'))).toBe(true));

    const after = await scrape(node.url);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(after.get('parley_sockets{protocol="connor"}')).toBe(2);
    expect(delta('parley_messages_in_total{protocol="connor"}')).toBe(1);
    expect(delta('parley_messages_out_total{protocol="connor"}')).toBeGreaterThanOrEqual(2); // to the reader and back to the writer
    expect(delta('parley_group_commit_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(delta('parley_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(delta('parley_bus_published_total')).toBeGreaterThanOrEqual(1);

    writer.close();
    await writer.closed;
    await eventually(async () => expect((await scrape(node.url)).get('parley_sockets{protocol="connor"}')).toBe(1));
  });

  it('with metrics.token: 401 with a Bearer challenge without the token or with a wrong one, 200 with it', async () => {
    const node = await start({ settings: testSettings(`[metrics]\ntoken = "${TOKEN}"\n${NO_RATE_LIMITS}`) });
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }]) {
      const res = await fetch(`${node.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await res.text()).not.toContain('parley_');
    }
    expect((await scrape(node.url, { authorization: `Bearer ${TOKEN}` })).has('parley_bus_published_total')).toBe(true);
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200); // health stays open for orchestrators
  });

  it('with metrics.listen: served on their own port (token included), and not on the main listener', async () => {
    const node = await start({ settings: testSettings(`[metrics]\nlisten = "127.0.0.1:0"\ntoken = "${TOKEN}"\n${NO_RATE_LIMITS}`) });
    const own = node.server.metricsUrl;
    expect(own).not.toBeNull();
    expect(own).not.toBe(node.url);
    expect((await fetch(`${own}/metrics`)).status).toBe(401);
    expect((await scrape(own!, { authorization: `Bearer ${TOKEN}` })).has('parley_bus_published_total')).toBe(true);
    expect((await fetch(`${own}/healthz`)).status).toBe(404);
    const main = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(main.status).toBe(404);
    expect(await main.json()).toEqual({ message: 'Not Found' });
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    await node.stop();
    await expect(fetch(`${own}/metrics`)).rejects.toThrow(); // closed with the node
  });
});

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');

describe.runIf(pgAvailable && redisAvailable)('readiness on PostgreSQL and Redis', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  const forwarders: Forwarder[] = [];
  beforeAll(async () => {
    db = await createTempDatabase();
  });
  afterAll(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    for (const f of forwarders) await f.close();
    await db?.drop();
  });

  /** A node reaching PostgreSQL and Redis only through forwarders the test controls. */
  async function nodeBehindForwarders(channel = uniquePrefix()) {
    const pgTarget = new URL(db!.url);
    const pgForwarder = await forward(Number(pgTarget.port || 5432), pgTarget.hostname);
    const redisTarget = new URL(REDIS_URL);
    const redisForwarder = await forward(Number(redisTarget.port || 6379), redisTarget.hostname);
    forwarders.push(pgForwarder, redisForwarder);
    const pgUrl = new URL(db!.url);
    pgUrl.host = `127.0.0.1:${pgForwarder.port}`;
    const node = await start({ env: { PARLEY_DATABASE_URL: pgUrl.toString(), PARLEY_REDIS_URL: `redis://127.0.0.1:${redisForwarder.port}`, PARLEY_REDIS_CHANNEL: channel } });
    return { node, pgForwarder, redisForwarder };
  }

  it('answers 503 naming the database while PostgreSQL is unreachable, and 200 again once it is back', async () => {
    const { node, pgForwarder } = await nodeBehindForwarders();
    expect(await readyz(node.url)).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'ok', shutdown: 'ok' } } });
    pgForwarder.down();
    const down = await readyz(node.url);
    expect(down.status).toBe(503);
    expect(down.body.checks).toMatchObject({ database: 'unreachable', redis: 'ok', shutdown: 'ok' });
    expect(JSON.stringify(down.body)).not.toMatch(/postgres|127\.0\.0\.1|Error/);
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200); // alive all the same
    pgForwarder.up();
    await eventually(async () => expect((await readyz(node.url)).status).toBe(200), 10_000, 50);
  });

  it('answers 503 naming Redis while it is unreachable, and 200 again once the bus has reconnected', async () => {
    const { node, redisForwarder } = await nodeBehindForwarders();
    expect((await readyz(node.url)).status).toBe(200);
    redisForwarder.down();
    await eventually(async () => {
      const down = await readyz(node.url);
      expect(down.status).toBe(503);
      expect(down.body.checks).toMatchObject({ database: 'ok', redis: 'disconnected' });
    });
    redisForwarder.up();
    await eventually(async () => expect(await readyz(node.url)).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'ok', shutdown: 'ok' } } }), 15_000, 50);
  });

  it('counts bus traffic across nodes: published on one, received with its lag on the other', async () => {
    const channel = uniquePrefix();
    const a = await start({ env: { PARLEY_DATABASE_URL: db!.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: channel } });
    const b = await start({ env: { PARLEY_DATABASE_URL: db!.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: channel } });
    const before = await scrape(b.url);
    const token = await connorLogin(a, 'grace');
    const writer = await connect(`${a.wsUrl}/api/v1/rooms/lobby/messages/ws`, token);
    sockets.push(writer);
    writer.send(JSON.stringify({ text: 'across nodes' }));
    await eventually(async () => {
      const after = await scrape(b.url);
      expect(after.get('parley_bus_received_total')! - (before.get('parley_bus_received_total') ?? 0)).toBeGreaterThanOrEqual(1);
      expect(after.get('parley_bus_lag_seconds_count')! - (before.get('parley_bus_lag_seconds_count') ?? 0)).toBeGreaterThanOrEqual(1);
    });
    expect((await scrape(a.url)).get('parley_bus_published_total')).toBeGreaterThanOrEqual(1);
  });
});

/** Register and log in through connor; returns the JWT. */
async function connorLogin(node: TestNode, username: string): Promise<string> {
  const body = JSON.stringify({ username, secret: 'pw' });
  const headers = { 'content-type': 'application/json' };
  await fetch(`${node.url}/api/v1/users`, { method: 'POST', headers, body });
  const res = await fetch(`${node.url}/api/v1/login`, { method: 'POST', headers, body });
  return ((await res.json()) as { data: { token: string } }).data.token;
}

/** A WebSocket upgrade by hand that, once accepted, stops reading: it never answers a close. */
function stuckUpgrade(url: URL, path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(url.port), url.hostname, () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    });
    sock.once('data', (d) => {
      if (!d.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${d.toString('latin1')}`));
      sock.pause();
      resolve(sock);
    });
    sock.on('error', () => undefined);
    sock.once('close', () => reject(new Error('closed before the upgrade')));
  });
}

interface Forwarder {
  readonly port: number;
  /** Cut every connection and refuse new ones (the service looks unreachable). */
  down(): void;
  /** Forward again. */
  up(): void;
  close(): Promise<void>;
}

/** A TCP forwarder on a port of its own in front of host:port. */
async function forward(port: number, host: string): Promise<Forwarder> {
  const open = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) return void client.destroy();
    const upstream = net.connect(port, host);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    open.add(client).add(upstream);
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    down() {
      up = false;
      for (const s of [...open]) s.destroy();
    },
    up() {
      up = true;
    },
    close: () => {
      for (const s of [...open]) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}


