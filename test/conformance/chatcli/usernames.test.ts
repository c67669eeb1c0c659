import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { emailOf, errorEnvelope, PASSWORD } from './helpers.js';

// Issue 8, defects 4 and 11 over ChatCLI (reference/chatcli.md §5.3–§5.8): every spelling that
// finds an account shares its login, verify and reset budgets, and registration refuses names
// that only look like another, in the `{status, message, response}` envelope.
let node: TestNode;
let limited: TestNode;
beforeAll(async () => {
  [node, limited] = await Promise.all([
    startNode(),
    startNode({ settings: testSettings('[rate_limits]\nlogin = "3/600"\nverify = "3/600"\nreset = "3/600"\n') }),
  ]);
});
afterAll(() => Promise.all([node?.stop(), limited?.stop()]));

/** POST a JSON body from `address`, so that only the account's budget is spent across attempts. */
async function post(on: TestNode, url: string, body: unknown, address = '127.0.0.1') {
  const res = await on.server.app.inject({ method: 'POST', url, remoteAddress: address, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, json: JSON.parse(res.body) as unknown };
}

const LOOK_ALIKES = ['\uff41\uff4c\uff49\uff43\uff45', 'ALICE', '\uff21lice'];
const TOO_MANY = errorEnvelope('Too many requests, try again later');

describe('one budget per account, whatever the spelling', () => {
  it('POST /user/login answers 429 to full-width and upper-case spellings once "alice" has used the budget', async () => {
    await limited.server.core.users.register({ username: 'alice', password: PASSWORD });
    for (let i = 1; i <= 3; i++) expect((await post(limited, '/user/login', { username: 'alice', password: 'Wr0ng-pass!' }, `10.1.0.${i}`)).status).toBe(400);
    for (const [i, username] of LOOK_ALIKES.entries()) {
      expect(await post(limited, '/user/login', { username, password: PASSWORD }, `10.1.1.${i + 1}`), username).toStrictEqual({ status: 429, json: TOO_MANY });
    }
  });

  it('POST /user/verify-email shares the budget between spellings', async () => {
    await limited.server.core.users.register({ username: 'vera', password: PASSWORD, email: emailOf('vera') });
    for (let i = 1; i <= 3; i++) expect((await post(limited, '/user/verify-email', { username: 'vera', email_token: '000000' }, `10.1.2.${i}`)).status).toBe(400);
    for (const [i, username] of ['\uff56\uff45\uff52\uff41', 'VERA'].entries()) {
      expect(await post(limited, '/user/verify-email', { username, email_token: '000000' }, `10.1.3.${i + 1}`), username).toStrictEqual({ status: 429, json: TOO_MANY });
    }
  });

  it('POST /user/reset-password-request shares the budget between spellings', async () => {
    await limited.server.core.users.register({ username: 'rita', password: PASSWORD, email: emailOf('rita'), emailVerified: true });
    for (let i = 1; i <= 3; i++) expect((await post(limited, '/user/reset-password-request', { username: 'rita' }, `10.1.4.${i}`)).status).toBe(200);
    for (const [i, username] of ['\uff52\uff49\uff54\uff41', 'RITA'].entries()) {
      expect(await post(limited, '/user/reset-password-request', { username }, `10.1.5.${i + 1}`), username).toStrictEqual({ status: 429, json: TOO_MANY });
    }
  });
});

describe('POST /user/register refuses names that look like another', () => {
  const register = (username: string) => post(node, '/user/register', { username, email: 'someone@example.org', password: PASSWORD });

  it('answers 400 naming the username for a lone surrogate (sent as the JSON escape \\ud800)', async () => {
    const raw = '{"username":"al\\ud800ice","email":"someone@example.org","password":"Passw0rd!"}';
    const res = await node.server.app.inject({ method: 'POST', url: '/user/register', headers: { 'content-type': 'application/json' }, payload: raw });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toStrictEqual({ status: 'error', message: expect.stringMatching(/^username must be well-formed/), response: '' });
  });

  it('answers the original messages for only spaces and for a line separator', async () => {
    expect(await register('   ')).toStrictEqual({ status: 400, json: errorEnvelope('Username and password are required') });
    expect(await register('al\u2028ice')).toStrictEqual({ status: 400, json: errorEnvelope('Username includes invalid characters') });
    expect(await register('al\u2029ice')).toStrictEqual({ status: 400, json: errorEnvelope('Username includes invalid characters') });
  });

  it('trims edge spaces (§5.3), so " alice" and "alice " are the existing account and refused as taken', async () => {
    await node.server.core.users.register({ username: 'alice', password: PASSWORD });
    for (const username of [' alice', 'alice ', '\u00a0alice', 'alice\u3000']) {
      expect(await register(username), JSON.stringify(username)).toStrictEqual({ status: 400, json: errorEnvelope("User 'alice' already exists") });
    }
  });
});
