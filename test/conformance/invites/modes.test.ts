import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';

// Issue 5: `registration = "open" | "invite" | "closed"` holds for every protocol's registration,
// refused in each protocol's own error shape.
const json = (node: TestNode, path: string, body: unknown) =>
  node.server.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
const strong = 'Passw0rd!x';

describe('registration = "invite"', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode({ settings: testSettings(`[server]\nregistration = "invite"\n${NO_RATE_LIMITS}`) });
  });
  afterAll(() => node?.stop());

  it('refuses connor sign-up without an invite (403 REGISTRATION_REFUSED) and accepts one with it', async () => {
    const refused = await json(node, '/api/v1/users', { username: 'c1', secret: 'pw' });
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { type: 'REGISTRATION_REFUSED' }, data: null });
    const { token } = await node.server.core.invites.createAccount();
    const ok = await json(node, '/api/v1/users', { username: 'c1', secret: 'pw', invite: token });
    expect(ok.statusCode).toBe(201);
    const reused = await json(node, '/api/v1/users', { username: 'c2', secret: 'pw', invite: token });
    expect(reused.statusCode).toBe(403); // single use
  });

  it('refuses ChatCLI sign-up without an invite in its envelope, and accepts an invite_code', async () => {
    const refused = await json(node, '/user/register', { username: 'h1', email: 'h1@example.org', password: strong });
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ status: 'error', message: 'Registration requires an invite', response: '' });
    const { token } = await node.server.core.invites.createAccount();
    const ok = await json(node, '/user/register', { username: 'h1', email: 'h1@example.org', password: strong, invite_code: token });
    expect(ok.statusCode).toBe(200);
  });
});

describe('registration = "closed"', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode({ settings: testSettings(`[server]\nregistration = "closed"\n${NO_RATE_LIMITS}`) });
  });
  afterAll(() => node?.stop());

  it('refuses every protocol\'s sign-up, while invite pages still register', async () => {
    expect((await json(node, '/api/v1/users', { username: 'c', secret: 'pw' })).statusCode).toBe(403);
    const chatcli = await json(node, '/user/register', { username: 'h', email: 'h@example.org', password: strong });
    expect(JSON.parse(chatcli.body)).toMatchObject({ status: 'error', message: 'Registration is closed' });
    const { token } = await node.server.core.invites.createAccount();
    const web = await node.server.app.inject({ method: 'POST', url: '/register', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `user=webby&password=a+long+password&token=${token}` });
    expect(web.body).toContain('Congratulations!');
  });
});
