import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';

// reference/connor.md §3–§7, through app.inject() on a real node (SQLite, fresh data dir).
let node: TestNode;
beforeAll(async () => {
  node = await startNode();
});
afterAll(() => node.stop());

const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  node.server.app.inject({
    method: 'POST',
    url,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });

const errorOf = (body: string) => (JSON.parse(body) as { error: { type: string; message: string } }).error;

describe('POST /api/v1/users', () => {
  it('creates the first user with id 1 and answers exactly the documented body', async () => {
    const res = await post('/api/v1/users', { username: 'test', secret: 'pw' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(res.body)).toEqual({ error: null, data: { id: 1, username: 'test' } });
  });

  it('refuses a taken username, also in another case, with 400 USER_CREATE_FAILED', async () => {
    for (const username of ['test', 'TEST']) {
      const res = await post('/api/v1/users', { username, secret: 'other' });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).type).toBe('USER_CREATE_FAILED');
    }
  });

  it.each([
    ['an empty body', undefined, {}],
    ['malformed JSON', '{"username": "x"', {}],
    ['a number as username', { username: 123, secret: 'x' }, {}],
    ['a missing secret', { username: 'nosecret' }, {}],
    ['an empty username', { username: '', secret: 'x' }, {}],
    ['an empty JSON body', '', {}],
    ['an array body', [], {}],
  ])('answers 400 BAD_BINDING for %s', async (_label, payload, headers) => {
    const res = await post('/api/v1/users', payload, headers);
    expect(res.statusCode).toBe(400);
    const error = errorOf(res.body);
    expect(error.type).toBe('BAD_BINDING');
    expect(error.message).toMatch(/^code=400, message=/);
  });

  it('answers 400 BAD_BINDING for an unsupported content type', async () => {
    const res = await node.server.app.inject({ method: 'POST', url: '/api/v1/users', headers: { 'content-type': 'text/plain' }, payload: 'username=a' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).type).toBe('BAD_BINDING');
  });

  it('answers 400 BAD_PASSWORD for a password the hasher will not take', async () => {
    const res = await post('/api/v1/users', { username: 'longpw', secret: 'x'.repeat(2000) });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).type).toBe('BAD_PASSWORD');
  });

  it('never returns the secret and writes the error with lowercase keys plus Type', async () => {
    const ok = await post('/api/v1/users', { username: 'secretive', secret: 'hunter2' });
    expect(ok.body).not.toContain('hunter2');
    const bad = await post('/api/v1/users', { username: 'secretive', secret: 'hunter2' });
    expect(JSON.parse(bad.body)).toEqual({ error: { type: 'USER_CREATE_FAILED', Type: 'USER_CREATE_FAILED', message: expect.any(String) }, data: null });
  });
});

describe('POST /api/v1/login', () => {
  it('answers a 72 h HS256 JWT with the user claim and the original issuer', async () => {
    await post('/api/v1/users', { username: 'carol', secret: 'pw' });
    const before = Math.floor(Date.now() / 1000);
    const res = await post('/api/v1/login', { username: 'carol', secret: 'pw' });
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as { error: null; data: { token: string; user: { id: number; username: string } } };
    expect(body.error).toBeNull();
    expect(body.data.user).toEqual({ id: expect.any(Number), username: 'carol', roles: [{ name: 'normalUser' }, { name: 'anonUser' }] });
    expect(decodeProtectedHeader(body.data.token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(body.data.token);
    expect(claims['user']).toEqual({ id: body.data.user.id, username: 'carol' }); // no roles in the claim (§6)
    expect(claims.iss).toBe('connor.fun-login-service');
    expect(claims.exp! - before).toBeGreaterThanOrEqual(72 * 3600 - 1);
    expect(claims.exp! - before).toBeLessThanOrEqual(72 * 3600 + 5);
    // `gen` is Parley's addition: the account's token generation, so revocation reaches JWTs (README).
    expect(Object.keys(claims).sort()).toEqual(['exp', 'gen', 'iss', 'user']);
    expect(claims['gen']).toBe(0);
  });

  it("answers 401 PASSWORD_MATCH_FAILED with \"Passwords don't match!\" for a wrong password", async () => {
    const res = await post('/api/v1/login', { username: 'carol', secret: 'wrong' });
    expect(res.statusCode).toBe(401);
    expect(errorOf(res.body)).toMatchObject({ type: 'PASSWORD_MATCH_FAILED', message: "Passwords don't match!" });
  });

  it('answers 400 USER_NOT_FOUND for an unknown username, as documented', async () => {
    const res = await post('/api/v1/login', { username: 'nobody', secret: 'pw' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).type).toBe('USER_NOT_FOUND');
  });

  it('logs in with the username in another case', async () => {
    const res = await post('/api/v1/login', { username: 'CAROL', secret: 'pw' });
    expect(res.statusCode).toBe(200);
    expect((JSON.parse(res.body) as { data: { user: { username: string } } }).data.user.username).toBe('carol');
  });

  it('answers 403 BANNED for a disabled account', async () => {
    await post('/api/v1/users', { username: 'dave', secret: 'pw' });
    const dave = await node.server.core.users.findByUsername('dave');
    await node.server.core.users.setDisabled(dave!.id, true);
    const res = await post('/api/v1/login', { username: 'dave', secret: 'pw' });
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body)).toMatchObject({ type: 'BANNED', message: 'User banned' });
  });

  it('answers 400 BAD_BINDING for a bad body', async () => {
    const res = await post('/api/v1/login', '{');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).type).toBe('BAD_BINDING');
  });
});

describe('tokens on HTTP routes', () => {
  it('refuses an invalid bearer token with 400 INVALID_AUTH_TOKEN before the handler runs', async () => {
    const res = await post('/api/v1/users', { username: 'eve', secret: 'pw' }, { authorization: 'Bearer not.a.jwt' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: { type: 'INVALID_AUTH_TOKEN', Type: 'INVALID_AUTH_TOKEN', message: 'Invalid Token' }, data: null });
    expect(await node.server.core.users.findByUsername('eve')).toBeNull();
  });
});

describe('unknown paths and methods', () => {
  it('answers 404 NOT_FOUND for an unknown API path and 405 METHOD_NOT_ALLOWED for a wrong method, in the envelope', async () => {
    const unknown = await node.server.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ error: { type: 'NOT_FOUND', Type: 'NOT_FOUND', message: 'Not Found' }, data: null });
    const wrong = await node.server.app.inject({ method: 'GET', url: '/api/v1/login' });
    expect(wrong.statusCode).toBe(405);
    expect(JSON.parse(wrong.body)).toEqual({ error: { type: 'METHOD_NOT_ALLOWED', Type: 'METHOD_NOT_ALLOWED', message: 'Method Not Allowed' }, data: null });
  });
});

describe('GET on the WebSocket path without an upgrade', () => {
  it("answers gorilla's plain-text 400 Bad Request", async () => {
    const res = await node.server.app.inject({ method: 'GET', url: '/api/v1/rooms/lobby/messages/ws' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body.trim()).toBe('Bad Request');
  });
});

describe('abuse limits', () => {
  it('answers 429 RATE_LIMITED after too many logins for one account, in the connor envelope', async () => {
    const limited = await startNode({ settings: testSettings('[rate_limits]\nlogin = "3/600"\n') });
    try {
      const login = (secret: string) => limited.server.app.inject({ method: 'POST', url: '/api/v1/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'ratty', secret }) });
      await limited.server.app.inject({ method: 'POST', url: '/api/v1/users', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'ratty', secret: 'pw' }) });
      for (let i = 0; i < 3; i++) expect((await login('wrong')).statusCode).toBe(401);
      const res = await login('pw');
      expect(res.statusCode).toBe(429);
      expect(JSON.parse(res.body)).toMatchObject({ error: { type: 'RATE_LIMITED' }, data: null });
    } finally {
      await limited.stop();
    }
  });
});
