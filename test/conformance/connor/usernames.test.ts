import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';

// Issue 8, defects 4 and 11 over connor (reference/connor.md §4–§5): a look-alike spelling of a
// username shares the account's login budget, and registration refuses names that only look
// like another (edge or only white space, line separators, lone surrogates) with BAD_BINDING.
let node: TestNode;
let limited: TestNode;
beforeAll(async () => {
  [node, limited] = await Promise.all([startNode(), startNode({ settings: testSettings('[rate_limits]\nlogin = "3/600"\n') })]);
});
afterAll(() => Promise.all([node?.stop(), limited?.stop()]));

/** POST a JSON body, from `address` (each attempt from its own address spends only the account's budget). */
const post = (on: TestNode, url: string, body: unknown, address = '127.0.0.1') =>
  on.server.app.inject({ method: 'POST', url, remoteAddress: address, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('POST /api/v1/login budget per account', () => {
  it('answers 429 RATE_LIMITED to full-width and upper-case spellings once "alice" has used the budget', async () => {
    await limited.server.core.users.register({ username: 'alice', password: 'right-pw' });
    for (let i = 1; i <= 3; i++) expect((await post(limited, '/api/v1/login', { username: 'alice', secret: 'wrong' }, `10.0.4.${i}`)).statusCode).toBe(401);
    // Even with the right password, from addresses that have not tried yet.
    for (const [i, username] of ['\uff41\uff4c\uff49\uff43\uff45', 'ALICE', '\uff21lice'].entries()) {
      const res = await post(limited, '/api/v1/login', { username, secret: 'right-pw' }, `10.0.5.${i + 1}`);
      expect(res.statusCode, username).toBe(429);
      expect(JSON.parse(res.body), username).toMatchObject({ error: { type: 'RATE_LIMITED' }, data: null });
    }
  });

  it('leaves other accounts their own budget', async () => {
    await limited.server.core.users.register({ username: 'carol', password: 'right-pw' });
    await limited.server.core.users.register({ username: 'dave', password: 'right-pw' });
    for (let i = 1; i <= 3; i++) await post(limited, '/api/v1/login', { username: 'carol', secret: 'wrong' }, `10.0.6.${i}`);
    expect((await post(limited, '/api/v1/login', { username: '\uff24ave', secret: 'right-pw' }, '10.0.6.9')).statusCode).toBe(200);
  });
});

describe('POST /api/v1/users refuses names that look like another', () => {
  it.each([
    ['a leading space', ' alice'],
    ['a trailing space', 'alice '],
    ['only spaces', '   '],
    ['a leading no-break space', '\u00a0alice'],
    ['a trailing ideographic space', 'alice\u3000'],
    ['a line separator', 'al\u2028ice'],
    ['a paragraph separator', 'al\u2029ice'],
    ['a lone surrogate', 'al\ud800ice'],
  ])('answers 400 BAD_BINDING naming the username for %s', async (_label, username) => {
    const res = await post(node, '/api/v1/users', { username, secret: 'pw' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
    const body = JSON.parse(res.body) as { error: { type: string; message: string }; data: null };
    expect(body).toMatchObject({ error: { type: 'BAD_BINDING' }, data: null });
    expect(body.error.message).toMatch(/^username /);
  });

  it('sends the lone surrogate as the JSON escape \\ud800, and still creates "alice" afterwards', async () => {
    const raw = '{"username":"al\\ud800ice","secret":"pw"}';
    const res = await node.server.app.inject({ method: 'POST', url: '/api/v1/users', headers: { 'content-type': 'application/json' }, payload: raw });
    expect(res.statusCode).toBe(400);
    expect((JSON.parse(res.body) as { error: { type: string } }).error.type).toBe('BAD_BINDING');
    const ok = await post(node, '/api/v1/users', { username: 'alice', secret: 'pw' });
    expect(ok.statusCode).toBe(201);
  });
});
