import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';

// reference/prosody-invites.md §4: GET /invites_api with an API key made by the core (as the CLI does).
let node: TestNode;
let key: string;
beforeAll(async () => {
  node = await startNode();
  key = (await node.server.core.apiKeys.create('tests')).key;
});
afterAll(() => node?.stop());

const get = (query: string, headers: Record<string, string> = {}) => fetch(`${node.url}/invites_api${query}`, { headers, redirect: 'manual' });
const tokenOf = (location: string | null) => new URL(location ?? 'http://x/').search.slice(1);

describe('GET /invites_api', () => {
  it('answers 201 with an empty body and the invite page as Location, for a key in the query', async () => {
    const res = await get(`?key=${encodeURIComponent(key)}`);
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('');
    const location = res.headers.get('location');
    expect(location?.startsWith(`${node.url}/invite?`)).toBe(true);
    const token = tokenOf(location);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const invite = await node.server.core.invites.valid(token);
    expect(invite).toMatchObject({ kind: 'account', username: null, reusable: false, source: `api/token/${key.split('/')[0]}` });
    expect(invite!.expiresAt - invite!.createdAt).toBe(7 * 24 * 3600 * 1000);
  });

  it('accepts the key as a Bearer token, and makes a new invite on every request', async () => {
    const [a, b] = [await get('', { authorization: `Bearer ${key}` }), await get('?x=1', { authorization: `Bearer ${key}` })];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(tokenOf(a.headers.get('location'))).not.toBe(tokenOf(b.headers.get('location')));
  });

  it('answers 303 with the same Location when redirect is asked for, whatever its value', async () => {
    for (const q of ['&redirect=true', '&redirect', '&redirect=0']) {
      const res = await get(`?key=${encodeURIComponent(key)}${q}`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/\/invite\?[A-Za-z0-9_-]{24}$/);
    }
  });

  it.each([
    ['no key', '', {}],
    ['a wrong secret', `?key=${encodeURIComponent('wrongid/secret')}`, {}],
    ['a key without a slash', '?key=nokey', {}],
    ['another Authorization scheme, even with a valid ?key=', '?key=KEY', { authorization: 'Basic abc' }],
    ['a malformed Bearer header', '', { authorization: 'Bearer' }],
  ])('answers 403 for %s', async (_label, query, headers) => {
    const res = await get(query.replace('KEY', encodeURIComponent(key)), headers as Record<string, string>);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Forbidden');
  });

  it('refuses a deleted key with 403', async () => {
    const { id, key: doomed } = await node.server.core.apiKeys.create('doomed');
    expect((await get(`?key=${encodeURIComponent(doomed)}`)).status).toBe(201);
    await node.server.core.apiKeys.delete(id);
    expect((await get(`?key=${encodeURIComponent(doomed)}`)).status).toBe(403);
  });

  it('sends the CORS headers on every answer, echoing the Origin, and answers a preflight with 200', async () => {
    const ok = await get(`?key=${encodeURIComponent(key)}`, { origin: 'https://site.example' });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://site.example');
    const denied = await get('');
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');
    for (const res of [ok, denied]) {
      expect(res.headers.get('access-control-allow-methods')).toBe('OPTIONS, GET');
      expect(res.headers.get('access-control-allow-headers')).toBe('Content-Type');
      expect(res.headers.get('access-control-max-age')).toBe('7200');
    }
    const preflight = await fetch(`${node.url}/invites_api`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(200);
    expect(await preflight.text()).toBe('');
  });

  it('answers 404 for other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await fetch(`${node.url}/invites_api?key=${encodeURIComponent(key)}`, { method })).status).toBe(404);
    }
  });
});
