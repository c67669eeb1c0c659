import { readFileSync } from 'node:fs';
import Fastify, { type RouteOptions } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiDocs, routesOf } from '../../src/http/openapi.js';
import { attachTransport } from '../../src/hub/attach.js';
import { createBarertcProtocol } from '../../src/protocols/barertc/index.js';
import { barertcOptions } from '../../src/protocols/barertc/options.js';
import { createChatcliProtocol } from '../../src/protocols/chatcli/index.js';
import { createConnorProtocol } from '../../src/protocols/connor/index.js';
import { createInvitesProtocol } from '../../src/protocols/invites/index.js';
import type { AnySocketRoute, ProtocolAdapter } from '../../src/protocols/protocol.js';
import { createTrueconfProtocol } from '../../src/protocols/trueconf/index.js';
import { startNode, type TestNode } from '../helpers/start-node.js';

// The API documents (issue 12 item 8): /openapi.json generated from the route schemas, every
// route has one, /asyncapi.json names every WebSocket endpoint, and documenting a route changed
// nothing its clients see.

const PROTOCOLS = ['barertc', 'connor', 'chatcli', 'trueconf', 'invites'];
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const methodsOf = (route: RouteOptions): string[] => (Array.isArray(route.method) ? [...route.method] : [route.method as string]);
const nameOf = (route: RouteOptions) => `${methodsOf(route).join('|')} ${route.url}`;
/** The routes without a schema that at least says what they do. */
const undocumented = (routes: readonly RouteOptions[]): string[] =>
  routes.filter((r) => typeof (r.schema as { summary?: unknown } | undefined)?.summary !== 'string').map(nameOf);
/** `/a/:b` as OpenAPI spells it. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

type Operation = { summary?: string; tags?: string[]; responses?: Record<string, unknown>; parameters?: { in: string; name: string }[] };
type OpenApi = { openapi: string; info: { title: string; version: string }; tags: { name: string }[]; paths: Record<string, Record<string, Operation>> };

let node: TestNode;
beforeAll(async () => {
  node = await startNode();
});
afterAll(async () => {
  await node?.stop();
});

async function getJson<T>(path: string): Promise<{ status: number; type: string | null; body: T }> {
  const res = await fetch(`${node.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as T };
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3 document titled Parley, at the package version, tagged by protocol', async () => {
    const { status, type, body } = await getJson<OpenApi>('/openapi.json');
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    expect(body.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(body.info).toMatchObject({ title: 'Parley', version: VERSION });
    expect(body.tags.map((t) => t.name)).toEqual(expect.arrayContaining(PROTOCOLS));
  });

  it('has an operation for every path and method the app registered, and no other', async () => {
    const { body } = await getJson<OpenApi>('/openapi.json');
    const registered = new Set<string>();
    // HEAD routes are Fastify's automatic copies of GET routes; @fastify/swagger leaves them out.
    for (const route of routesOf(node.server.app)) for (const m of methodsOf(route)) if (m !== 'HEAD') registered.add(`${m.toLowerCase()} ${openapiPath(route.url)}`);
    const documentedOps = new Set(Object.entries(body.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`)));
    expect(registered.size).toBeGreaterThan(50);
    expect([...registered].filter((op) => !documentedOps.has(op))).toEqual([]);
    expect([...documentedOps].filter((op) => !registered.has(op))).toEqual([]);
  });

  it('gives every operation a summary, its path parameters and its answers, and each protocol\'s its tag', async () => {
    const { body } = await getJson<OpenApi>('/openapi.json');
    const bad: string[] = [];
    const byTag = new Map<string, number>();
    for (const [path, item] of Object.entries(body.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        if (!op.summary || Object.keys(op.responses ?? {}).length === 0 || params.some((p) => !declared.includes(p!))) bad.push(`${method} ${path}`);
        for (const t of op.tags ?? []) byTag.set(t, (byTag.get(t) ?? 0) + 1);
      }
    }
    expect(bad).toEqual([]);
    // Tags are the document's own (the five protocols and the server's); every protocol has operations.
    expect([...byTag.keys()].filter((t) => !body.tags.some((d) => d.name === t))).toEqual([]);
    for (const protocol of PROTOCOLS) expect(byTag.get(protocol), protocol).toBeGreaterThan(0);
    // A sample of request and response shapes from the references.
    expect(body.paths['/api/v1/login']?.['post']).toMatchObject({ tags: ['connor'], requestBody: { content: { 'application/json': { schema: { required: ['username', 'secret'] } } } } });
    expect(Object.keys(body.paths['/chat/messages']?.['post']?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '404', '415']));
    expect(body.paths['/bridge/api/client/v1/oauth/token']?.['post']?.responses?.['201']).toMatchObject({ content: { 'application/json': { schema: { properties: { access_token: { type: 'string' } } } } } });
  });
});

describe('route schemas', () => {
  it('every route the server registered has a schema with a summary', () => {
    const routes = routesOf(node.server.app);
    expect(routes.length).toBeGreaterThan(50);
    expect(undocumented(routes)).toEqual([]);
  });

  it('the check names a route registered without a schema', async () => {
    const app = Fastify();
    await registerApiDocs(app, []);
    app.get('/bare', async () => 'no schema');
    await app.ready();
    expect(undocumented(routesOf(app))).toEqual(['GET /bare', 'HEAD /bare']);
    await app.close();
  });
});

/** The protocols as the server builds them, for their `sockets` declarations. */
function protocolsOf(n: TestNode): ProtocolAdapter[] {
  const { core, hub } = n.server;
  const logger = pino({ level: 'silent' });
  const publicUrl = () => n.url;
  return [
    createConnorProtocol({ core, logger, jwtSecret: n.config.secrets.connorJwt }),
    createChatcliProtocol({ core, logger, publicUrl }),
    createInvitesProtocol({ core, logger, publicUrl, domain: 'localhost' }),
    createTrueconfProtocol({ core, logger, jwtSecret: n.config.secrets.trueconfJwt, tokenTtlSeconds: 60, domain: 'localhost', unreadCap: 10, pingIntervalMs: 30_000, pongTimeoutMs: 60_000, publicUrl, uploadSpoolDir: `${n.dir}/spool` }),
    createBarertcProtocol({ core, logger, attach: attachTransport(hub, logger), options: barertcOptions(n.config.barertc) }),
  ];
}

describe('GET /asyncapi.json', () => {
  type AsyncApi = {
    asyncapi: string;
    info: { title: string; version: string };
    servers: Record<string, unknown>;
    channels: Record<string, { address: string; servers: { $ref: string }[]; messages: Record<string, { payload: unknown }> }>;
    operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  };

  it('is an AsyncAPI 3.0 document whose references all resolve', async () => {
    const { status, body } = await getJson<AsyncApi>('/asyncapi.json');
    expect(status).toBe(200);
    expect(body.asyncapi).toBe('3.0.0');
    expect(body.info).toMatchObject({ title: 'Parley', version: VERSION });
    const resolve = (ref: string): unknown => ref.replace(/^#\//, '').split('/').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], body);
    const refs = [
      ...Object.values(body.channels).flatMap((c) => c.servers.map((s) => s.$ref)),
      ...Object.values(body.operations).flatMap((o) => [o.channel.$ref, ...o.messages.map((m) => m.$ref)]),
    ];
    expect(refs.filter((r) => resolve(r) === undefined)).toEqual([]);
    for (const op of Object.values(body.operations)) {
      expect(['send', 'receive']).toContain(op.action);
      expect(op.messages.length).toBeGreaterThan(0);
    }
  });

  it('has a channel for every WebSocket route the protocols serve, on its listener, and none other', async () => {
    const { body } = await getJson<AsyncApi>('/asyncapi.json');
    const protocols = protocolsOf(node);
    try {
      const routes: AnySocketRoute[] = protocols.flatMap((p) => p.sockets ?? []);
      expect(routes.length).toBe(4);
      const channels = Object.entries(body.channels).map(([id, c]) => ({ id, path: c.address.replace(/\{[^}]+\}/g, 'lobby'), listener: c.servers[0]?.$ref.split('/').pop() }));
      const servedBy = (c: (typeof channels)[number]) => routes.find((r) => (r.listener ?? 'main') === c.listener && r.match(c.path) !== null);
      // Every channel is a path a socket route takes, on the listener it names.
      expect(channels.filter((c) => !servedBy(c)).map((c) => c.id)).toEqual([]);
      // Every socket route has a channel.
      expect(routes.filter((r) => !channels.some((c) => servedBy(c) === r)).map((r) => r.protocol)).toEqual([]);
    } finally {
      for (const p of protocols) p.stop?.();
    }
  });

  it('describes the frames both ways, reusing the protocols\' schemas', async () => {
    const { body } = await getJson<AsyncApi>('/asyncapi.json');
    const chatcli = body.channels['chatcliSocket'];
    expect(chatcli?.address).toBe('/ws');
    expect(chatcli?.servers).toEqual([{ $ref: '#/servers/chatcli' }]);
    expect(chatcli?.messages['fromClient_post_msg']?.payload).toMatchObject({ properties: { type: { const: 'post_msg' }, chatID: { anyOf: [{ type: 'integer' }, { type: 'string' }] } } });
    expect(body.channels['barertcChat']?.messages['fromServer_who']?.payload).toMatchObject({ properties: { whoList: { type: 'array' } } });
    expect(Object.keys(body.channels['trueconfChatBot']?.messages ?? {})).toEqual(expect.arrayContaining(['fromClient_auth', 'fromClient_request', 'fromServer_response', 'fromServer_event']));
  });
});

describe('documented routes answer bad input as the originals did', () => {
  async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
    const res = await fetch(`${node.url}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body }) });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  it('connor: the envelope for a missing query, BAD_BINDING for an empty username', async () => {
    expect(await call('GET', '/api/v1/messages')).toMatchObject({ status: 400, text: '{"error":{"type":"NO_QUERY","Type":"NO_QUERY","message":""},"data":null}' });
    const empty = await call('POST', '/api/v1/users', '{"username":"","secret":"pw"}');
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.text)).toMatchObject({ error: { type: 'BAD_BINDING', Type: 'BAD_BINDING' }, data: null });
  });

  it('chatcli: its envelope in its field order, Flask\'s 415 page, and replies no schema trims', async () => {
    expect(await call('POST', '/user/login', '{}')).toMatchObject({ status: 400, text: '{"status":"error","message":"Username and password required","response":""}' });
    expect(await call('POST', '/chat/messages', '{"username":"a","session_token":"t","chatID":1,"limit":"x"}')).toMatchObject({ status: 400, text: '{"status":"error","message":"limit must be an integer","response":""}' });
    const notJson = await call('POST', '/chat/fetch-chats', 'x=1', { 'content-type': 'text/plain' });
    expect(notJson.status).toBe(415);
    expect(notJson.text).toContain('<title>415 Unsupported Media Type</title>');
    expect(await call('GET', '/verify-connection')).toMatchObject({ status: 200, text: '{"status":"ok","message":"","response":"Server is reachable!"}' });
  });

  it('trueconf: RFC 6749 errors on the token endpoint, its own error without the upload header', async () => {
    expect(await call('POST', '/bridge/api/client/v1/oauth/token', '{}')).toMatchObject({ status: 400, text: '{"error":"invalid_request","error_description":"client_id and grant_type are required"}' });
    expect(await call('POST', '/bridge/api/client/v1/files', '{}')).toMatchObject({ status: 400, text: '{"error":"Upload-Task-Id header is required"}' });
  });

  it('barertc: Go-style refusals, pretty-printed, for a wrong method, content type or body', async () => {
    expect(await call('GET', '/api/shutdown')).toMatchObject({ status: 400, text: '{\n  "OK": false,\n  "Error": "Only POST methods allowed"\n}\n' });
    expect(await call('POST', '/api/shutdown', '{}', { 'content-type': 'text/plain' })).toMatchObject({ status: 400, text: '{\n  "OK": false,\n  "Error": "Only application/json content-types allowed"\n}\n' });
    expect(await call('POST', '/api/blocklist', '{"APIKey":5}')).toMatchObject({ status: 400, text: '{\n  "OK": false,\n  "Error": "json: cannot unmarshal number into Go struct field .APIKey of type string"\n}\n' });
    const poll = await call('POST', '/poll', '{}');
    expect(poll.status).toBe(400);
    expect(JSON.parse(poll.text)).toMatchObject({ username: '', session_id: '', messages: [{ action: 'error', username: 'ChatServer', message: 'Not logged in.' }] });
  });

  it('invites: the HTML 403 without a key', async () => {
    const res = await call('GET', '/invites_api?key=nope');
    expect(res.status).toBe(403);
    expect(res.type).toMatch(/^text\/html/);
    expect(res.text).toContain('<h1>Forbidden</h1>');
  });
});
