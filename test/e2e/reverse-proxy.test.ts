import { randomInt } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareClient } from '../conformance/barertc/barertc-client.js';
import { TrueConfBot } from '../conformance/trueconf/client.js';
import { freePort, nginxAvailable, renderNginxConfig, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { startNode, testSettings, type TestNode } from '../helpers/start-node.js';
import { connect, TestSocket } from '../helpers/ws-client.js';

/**
 * Issue 12, reverse proxies: two nodes on one PostgreSQL and one Redis behind a real nginx that
 * runs deploy/nginx.conf (rendered with test ports, see test/helpers/nginx.ts). Rate limits key on
 * the address the trusted proxy forwards; a node ignores forwarding headers from a peer it does
 * not trust; the WebSocket upgrade of every protocol passes through the proxy.
 *
 * The test client stands in for the clients of the world: nginx's commented real_ip lines are
 * switched on for 127.0.0.1, as for an nginx behind a load balancer, so each request's
 * X-Forwarded-For becomes the client address nginx sees and forwards. TLS is left out of this
 * variant (the client would have to trust a self-signed certificate); packaging.test.ts runs
 * `nginx -t` on the TLS variant with a real certificate.
 */

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');
const haveNginx = nginxAvailable();
const TEMPLATE = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** Passes every door's password rule (ChatCLI's is the strictest). */
const PASSWORD = 'Passw0rd!x';
/** Sign-ups allowed per client address: one, so the second from an address is refused. */
const LIMITS = '[rate_limits]\nregister = "1/600"\n';

/** A client address of this run (198.18.0.0/15 is for benchmarks): runs never share a rate-limit bucket. */
const runPrefix = `198.${18 + randomInt(2)}.${randomInt(256)}`;
let lastHost = 0;
const nextAddress = (): string => `${runPrefix}.${++lastHost}`;
const tag = uniquePrefix().slice(-6);

const hostOf = (url: string): string => new URL(url).host;

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** POST JSON as the client at `address` (its X-Forwarded-For); the body parsed when it is JSON. */
async function post(base: string, route: string, body: unknown, address: string): Promise<Answer> {
  const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

describe.runIf(pgAvailable && redisAvailable && haveNginx)('two nodes behind nginx running deploy/nginx.conf', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  const nodes: TestNode[] = [];
  const sockets: TestSocket[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  let nginx: RunningNginx | undefined;
  let dir = '';
  let a: TestNode;
  let b: TestNode;
  /** http://127.0.0.1:<nginx's port 443 server> */
  let proxy = '';
  let proxyWs = '';
  let chatcliWs = '';
  let redirect = '';

  beforeAll(async () => {
    db = await createTempDatabase();
    const settings = testSettings(`[server]\ntrusted_proxies = ["loopback"]\n\n${LIMITS}`);
    const env = { PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix() };
    // One after the other: the first migrates the fresh database.
    a = await startNode({ env, settings });
    nodes.push(a);
    b = await startNode({ env, settings });
    nodes.push(b);

    dir = await mkdtemp(path.join(tmpdir(), 'parley-nginx-'));
    const [main, chatcli, plain] = [await freePort(), await freePort(), await freePort()];
    const config = renderNginxConfig(await readFile(TEMPLATE, 'utf8'), {
      upstreams: {
        parley: [hostOf(a.url), hostOf(b.url)],
        parley_sticky: [hostOf(a.url), hostOf(b.url)],
        parley_chatcli: [hostOf(a.server.chatcliUrl), hostOf(b.server.chatcliUrl)],
      },
      ports: { 80: plain, 443: main, 8765: chatcli },
      tls: null,
      realIpFrom: '127.0.0.1',
      dir,
    // Which node answered: the test reads it from the upgrade response to place sockets on both nodes.
    }).replace(/^http\s*\{/m, (h) => `${h}\n  add_header X-Test-Upstream $upstream_addr always;`);
    nginx = await startNginx(config, dir, [main, chatcli, plain]);
    proxy = `http://127.0.0.1:${main}`;
    proxyWs = `ws://127.0.0.1:${main}`;
    chatcliWs = `ws://127.0.0.1:${chatcli}/ws`;
    redirect = `http://127.0.0.1:${plain}`;
  });

  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await Promise.all(closers.map((c) => c().catch(() => undefined)));
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A new account, made in the core: the socket tests do not spend the sign-up limit the first test is about. */
  const signUp = async (name: string): Promise<string> => {
    const username = `${name}${tag}`;
    await a.server.core.users.register({ username, password: PASSWORD });
    return username;
  };

  const connorToken = async (username: string): Promise<string> => {
    const res = await post(proxy, '/api/v1/login', { username, secret: PASSWORD }, nextAddress());
    expect(res.status).toBe(200);
    return (res.body as { data: { token: string } }).data.token;
  };

  /** A connor room socket through nginx, and the node ("127.0.0.1:PORT") nginx sent it to. */
  const openRoom = async (room: string, token?: string): Promise<{ socket: TestSocket; node: string }> => {
    const socket = new TestSocket(`${proxyWs}/api/v1/rooms/${encodeURIComponent(room)}/messages/ws`, token);
    sockets.push(socket);
    const upstream = new Promise<string>((resolve) => socket.ws.once('upgrade', (res) => resolve(String(res.headers['x-test-upstream']))));
    await socket.opened;
    return { socket, node: await upstream };
  };

  it('limits sign-ups per forwarded client address across both nodes: six addresses pass, a second sign-up from any of them gets 429 with Retry-After', async () => {
    const addresses = Array.from({ length: 6 }, nextAddress);
    for (const [i, address] of addresses.entries()) {
      const res = await post(proxy, '/api/v1/users', { username: `many${i}${tag}`, secret: PASSWORD }, address);
      expect(res.status, `sign-up ${i} from ${address}: ${JSON.stringify(res.body)}`).toBe(201);
    }
    // A second sign-up from each address is refused. nginx takes turns between the nodes, so some
    // of these meet the other node than the address's first sign-up: the limit is shared.
    for (const [i, address] of addresses.entries()) {
      const again = await post(proxy, '/api/v1/users', { username: `again${i}${tag}`, secret: PASSWORD }, address);
      expect(again.status, `second sign-up from ${address}`).toBe(429);
      expect((again.body as { error: { type: string } }).error.type).toBe('RATE_LIMITED');
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('passes a connor room socket through to either node, and a message written on one node reaches a listener on the other', async () => {
    const room = `proxy-${tag}`;
    const writer = await openRoom(room, await connorToken(await signUp('writer')));
    const listeners = [await openRoom(room)];
    // nginx takes turns between the nodes; open listeners until one sits on the writer's other node.
    while (listeners.every((l) => l.node === writer.node) && listeners.length < 6) listeners.push(await openRoom(room));
    expect(new Set([writer.node, ...listeners.map((l) => l.node)])).toEqual(new Set([hostOf(a.url), hostOf(b.url)]));

    writer.socket.send(JSON.stringify({ text: 'through the proxy' }));
    for (const l of [writer, ...listeners]) {
      const frame = await l.socket.json<{ text: string; sender: { username: string } }[]>(0);
      expect(frame[0]).toMatchObject({ text: 'through the proxy', sender: { username: `writer${tag}` } });
    }
  });

  it("passes BareRTC's /ws through: a guest logs in", async () => {
    const { client, me } = await BareClient.guest(proxyWs, `guest${tag}`);
    closers.push(async () => client.socket.ws.terminate());
    expect(me).toMatchObject({ action: 'me', username: `guest${tag}` });
  });

  it("passes TrueConf's bot socket through: a bot authenticates with a token fetched through the proxy", async () => {
    const username = await signUp('bot');
    const res = await post(proxy, '/bridge/api/client/v1/oauth/token', { client_id: 'chat_bot', grant_type: 'password', username, password: PASSWORD }, nextAddress());
    expect(res.status).toBe(201);
    const bot = await TrueConfBot.connect(proxyWs, (res.body as { access_token: string }).access_token);
    closers.push(() => bot.close());
    expect(bot.meId).toMatch(new RegExp(`^${username}@`));
  });

  it("passes ChatCLI's socket through nginx's own server for ChatCLI's listener", async () => {
    const username = await signUp('cli');
    const login = await post(proxy, '/user/login', { username, password: PASSWORD }, nextAddress());
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const socket = await connect(chatcliWs);
    sockets.push(socket);
    socket.send(JSON.stringify({ type: 'auth', token: (login.body as { access_token: string }).access_token }));
    expect(await socket.json(0)).toEqual({ type: 'auth_ack', status: 'ok' });
  });

  it('lets a body larger than nginx’s default 1 MiB reach Parley, which answers it', async () => {
    const res = await fetch(`${proxy}/bridge/api/client/v1/files`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(3 * 1024 * 1024) });
    await res.arrayBuffer();
    // nginx's own refusal would be a 413 HTML page; Parley answers in JSON.
    expect(res.status).not.toBe(413);
    expect(res.headers.get('content-type')).toMatch(/json/);
  });

  it('redirects plain HTTP to HTTPS', async () => {
    const res = await fetch(`${redirect}/api/v1/rooms/lobby`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toMatch(/^https:\/\/[^/]+\/api\/v1\/rooms\/lobby$/);
  });
});

describe('a node that trusts another proxy than its peer', () => {
  let node: TestNode | undefined;
  afterAll(async () => node?.stop());

  it('ignores a forged X-Forwarded-For and limits the real peer address', async () => {
    node = await startNode({ settings: testSettings(`[server]\ntrusted_proxies = ["10.255.255.1"]\n\n${LIMITS}`) });
    const first = await post(node.url, '/api/v1/users', { username: `forger1${tag}`, secret: PASSWORD }, nextAddress());
    expect(first.status).toBe(201);
    // Another "address" in the header, the same real peer (127.0.0.1): the same bucket.
    const second = await post(node.url, '/api/v1/users', { username: `forger2${tag}`, secret: PASSWORD }, nextAddress());
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
