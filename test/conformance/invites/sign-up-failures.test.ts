import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';

// Issue 8 (defect 5): a sign-up that fails (name taken, bad password, rate limit) leaves its
// single-use invite usable, on every path that takes one; a single-use invite makes one account
// however many sign-ups race for it. ChatCLI's mail failure is in chatcli-sign-up.test.ts.
let smtp: SmtpSink;
let node: TestNode;
beforeAll(async () => {
  smtp = await startSmtpSink();
  // One sign-up per address per 10 minutes, so each test uses its own addresses.
  node = await startNode({ env: { PARLEY_SMTP_URL: smtp.url }, settings: testSettings('[server]\nregistration = "invite"\n[rate_limits]\nregister = "1/600"\n') });
});
afterAll(async () => {
  await node?.stop();
  await smtp?.close();
});

let seq = 0;
const address = () => `10.8.0.${++seq}`;
const STRONG = 'Passw0rd!x';
const HUGE = `Aa1!${'x'.repeat(1100)}`; // strong, but over the 1024-byte password limit

const connor = (body: Record<string, string>, from = address()) =>
  node.server.app.inject({ method: 'POST', url: '/api/v1/users', remoteAddress: from, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
const chatcli = (body: Record<string, string>, from = address()) =>
  node.server.app.inject({ method: 'POST', url: '/user/register', remoteAddress: from, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
const web = (fields: Record<string, string>, from = address()) =>
  node.server.app.inject({ method: 'POST', url: '/register', remoteAddress: from, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
const invite = async () => (await node.server.core.invites.createAccount()).token;
const exists = async (name: string) => (await node.server.core.users.findByUsername(name)) !== null;

describe('connor POST /api/v1/users with an invite', () => {
  it('keeps the invite after a taken name, then registers with it once', async () => {
    const token = await invite();
    await node.server.core.users.register({ username: 'ctaken', password: 'pw' });
    const taken = await connor({ username: 'ctaken', secret: 'pw', invite: token });
    expect(taken.statusCode).toBe(400);
    expect(JSON.parse(taken.body)).toMatchObject({ error: { type: 'USER_CREATE_FAILED' } });
    expect((await connor({ username: 'cafter1', secret: 'pw', invite: token })).statusCode).toBe(201);
    expect((await connor({ username: 'cagain1', secret: 'pw', invite: token })).statusCode).toBe(403);
  });

  it('keeps the invite after a refused password, then registers with it', async () => {
    const token = await invite();
    const bad = await connor({ username: 'cbig', secret: HUGE, invite: token });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { type: 'BAD_PASSWORD' } });
    expect(await exists('cbig')).toBe(false);
    expect((await connor({ username: 'cafter2', secret: 'pw', invite: token })).statusCode).toBe(201);
  });

  it('keeps the invite after a rate-limited attempt, then registers with it from another address', async () => {
    const from = address();
    expect((await connor({ username: 'cfirst', secret: 'pw', invite: await invite() }, from)).statusCode).toBe(201);
    const token = await invite();
    const limited = await connor({ username: 'csecond', secret: 'pw', invite: token }, from);
    expect(limited.statusCode).toBe(429);
    expect(await exists('csecond')).toBe(false);
    expect((await connor({ username: 'csecond', secret: 'pw', invite: token })).statusCode).toBe(201);
  });

  it('keeps contact and single-use group invites after a taken name', async () => {
    const host = await node.server.core.users.register({ username: 'chost', password: 'pw' });
    const team = await node.server.core.conversations.createGroup({ id: host.id, username: host.username, displayName: host.displayName }, 'Team', []);
    const tokens = [(await node.server.core.invites.createContact(host.id)).token, (await node.server.core.invites.createGroup([team.id])).token];
    for (const [i, token] of tokens.entries()) {
      expect((await connor({ username: 'chost', secret: 'pw', invite: token })).statusCode).toBe(400);
      expect((await connor({ username: `cguest${i}`, secret: 'pw', invite: token })).statusCode).toBe(201);
    }
    const guest = await node.server.core.users.findByUsername('cguest1');
    expect((await node.server.core.conversations.members(team.id, host.id)).map((m) => m.userId)).toContain(guest?.id);
  });

  it('makes exactly one account when two sign-ups race for one single-use invite', async () => {
    const token = await invite();
    const answers = await Promise.all(['crace1', 'crace2'].map((username) => connor({ username, secret: 'pw', invite: token })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 403]);
    expect([await exists('crace1'), await exists('crace2')].filter(Boolean)).toHaveLength(1);
  });
});

describe('ChatCLI POST /user/register with an invite_code', () => {
  const body = (username: string, invite_code: string, password = STRONG) => ({ username, email: `${username}@example.org`, password, invite_code });

  it('keeps the invite after a taken name, then registers with it once', async () => {
    const token = await invite();
    await node.server.core.users.register({ username: 'htaken', password: 'pw' });
    const taken = await chatcli(body('htaken', token));
    expect(taken.statusCode).toBe(400);
    expect(JSON.parse(taken.body)).toEqual({ status: 'error', message: "User 'htaken' already exists", response: '' });
    expect((await chatcli(body('hafter1', token))).statusCode).toBe(200);
    expect((await chatcli(body('hagain1', token))).statusCode).toBe(403);
  });

  it('keeps the invite after a refused password, then registers with it', async () => {
    const token = await invite();
    expect((await chatcli(body('hbig', token, HUGE))).statusCode).toBe(400);
    expect(await exists('hbig')).toBe(false);
    expect((await chatcli(body('hafter2', token))).statusCode).toBe(200);
  });

  it('keeps the invite after a rate-limited attempt, then registers with it from another address', async () => {
    const from = address();
    expect((await chatcli(body('hfirst', await invite()), from)).statusCode).toBe(200);
    const token = await invite();
    const limited = await chatcli(body('hsecond', token), from);
    expect(limited.statusCode).toBe(429);
    expect(await exists('hsecond')).toBe(false);
    expect((await chatcli(body('hsecond', token))).statusCode).toBe(200);
  });

  it('makes exactly one account when two sign-ups race for one single-use invite', async () => {
    const token = await invite();
    const answers = await Promise.all(['hrace1', 'hrace2'].map((username) => chatcli(body(username, token))));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 403]);
    expect([await exists('hrace1'), await exists('hrace2')].filter(Boolean)).toHaveLength(1);
  });
});

describe('the invite pages, POST /register', () => {
  it('keeps the invite after a password over the length limit, then registers with it', async () => {
    const token = await invite();
    const bad = await web({ user: 'wbig', password: 'x'.repeat(1025), token });
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toContain('role="alert"');
    expect(await exists('wbig')).toBe(false);
    expect((await web({ user: 'wafter', password: 'a long password', token })).body).toContain('Congratulations!');
  });

  it('keeps the invite of the sign-up that loses a race for the same name', async () => {
    const tokens = [await invite(), await invite()];
    const answers = await Promise.all(tokens.map((token) => web({ user: 'wrace', password: 'a long password', token })));
    const won = answers.findIndex((a) => a.body.includes('Congratulations!'));
    expect(won).toBeGreaterThanOrEqual(0);
    const lost = 1 - won;
    expect(answers[lost]!.body).toContain('This username is already in use.');
    expect((await web({ user: 'wloser', password: 'a long password', token: tokens[lost]! })).body).toContain('Congratulations!');
    expect(await node.server.core.invites.valid(tokens[won]!)).toBeNull();
  });

  it('keeps a password-reset invite after a password over the length limit', async () => {
    await node.server.core.users.register({ username: 'wreset', password: 'old password' });
    const { token } = await node.server.core.invites.createReset('wreset');
    expect((await web({ user: 'wreset', password: 'x'.repeat(1025), token })).body).toContain('role="alert"');
    await expect(node.server.core.users.authenticate('wreset', 'old password')).resolves.toMatchObject({ username: 'wreset' });
    expect((await web({ user: 'wreset', password: 'new long password', token })).body).toContain('Congratulations!');
    await expect(node.server.core.users.authenticate('wreset', 'new long password')).resolves.toMatchObject({ username: 'wreset' });
  });

  it('makes exactly one account when two sign-ups race for one single-use invite', async () => {
    const token = await invite();
    const answers = await Promise.all(['wrace1', 'wrace2'].map((user) => web({ user, password: 'a long password', token })));
    expect(answers.filter((a) => a.body.includes('Congratulations!'))).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 303)).toHaveLength(1);
    expect([await exists('wrace1'), await exists('wrace2')].filter(Boolean)).toHaveLength(1);
  });
});
