import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { codeOf, createChat, emailOf, http, joinChat, login, openChatSocket, PASSWORD, signUp, startSmtpSink, TIMESTAMP, type Account, type Http, type SmtpSink } from './helpers.js';

// The acceptance scenario: ChatCLI accounts made through real mail, chatting over ChatCLI's
// WebSocket and REST, and the same accounts usable through the connor API (one core).
let smtp: SmtpSink;
let node: TestNode;
let api: Http;
beforeAll(async () => {
  smtp = await startSmtpSink();
  node = await startNode({ env: { PARLEY_SMTP_URL: smtp.url }, settings: testSettings('[rate_limits]\nenabled = false\n') });
  api = http(node);
});
afterAll(async () => {
  await node?.stop();
  await smtp?.close();
});

const connor = (path: string, body: unknown) =>
  node.server.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('ChatCLI end to end, and across protocols', () => {
  it('registers through real SMTP, chats over the WebSocket, reads the history, and logs in through connor', async () => {
    // Registration: the code arrives at the SMTP server and verifies the account.
    const register = await api.post('/user/register', { username: 'Alice', email: emailOf('alice'), password: PASSWORD });
    expect(register.status).toBe(200);
    const mail = await smtp.nextMailTo(emailOf('alice'), 0);
    expect(mail.subject).toBe('ChatCLI Account Verification Code');
    expect((await api.post('/user/verify-email', { username: 'alice', email_token: codeOf(mail) })).status).toBe(200);
    const alice: Account = { username: 'Alice', password: PASSWORD, email: emailOf('alice'), ...(await login(api, 'alice')) };
    const bob = await signUp(api, smtp, 'bob');

    const chatID = await createChat(api, alice, 'bob');
    expect((await api.post('/chat/fetch-chats', { session_token: bob.access })).json).toStrictEqual({ response: [{ chatID, name: 'Alice', online: false }], status: 'ok' });

    const a = await openChatSocket(node, alice.access);
    const b = await openChatSocket(node, bob.access);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    a.send({ type: 'post_msg', chatID, text: 'Hi Bob' });
    const first = await b.nextOf('new_message');
    expect(first).toMatchObject({ chatID, username: 'Alice', message: 'Hi Bob', timestamp: expect.stringMatching(TIMESTAMP) });
    expect(await a.nextOf('new_message')).toStrictEqual(first);
    b.send({ type: 'post_msg', chatID, text: 'Hi Alice' });
    const second = await a.nextOf('new_message');
    expect(second).toMatchObject({ chatID, username: 'bob', message: 'Hi Alice' });
    expect(await b.nextOf('new_message')).toStrictEqual(second);
    a.close();
    b.close();
    await Promise.all([a.raw.closed, b.raw.closed]);

    const history = await api.post('/chat/messages', { username: 'alice', session_token: alice.access, chatID });
    expect(history.status).toBe(200);
    expect(history.json).toStrictEqual({
      status: 'ok',
      message: '',
      response: [
        { messageID: first['messageID'], userID: first['userID'], username: 'Alice', message: 'Hi Bob', timestamp: first['timestamp'] },
        { messageID: second['messageID'], userID: second['userID'], username: 'bob', message: 'Hi Alice', timestamp: second['timestamp'] },
      ],
    });

    // The same account, through the connor API.
    const viaConnor = await connor('/api/v1/login', { username: 'alice', secret: PASSWORD });
    expect(viaConnor.statusCode).toBe(200);
    const body = JSON.parse(viaConnor.body) as { error: unknown; data: { token: string; user: { id: number; username: string } } };
    expect(body.error).toBeNull();
    expect(body.data.token).toEqual(expect.any(String));
    expect(body.data.user).toMatchObject({ id: first['userID'], username: 'Alice' }); // connor's own fields (roles) aside
    expect((await connor('/api/v1/login', { username: 'alice', secret: 'wrong' })).statusCode).not.toBe(200);
  });

  it('an unverified ChatCLI account cannot log in through connor either', async () => {
    const seen = smtp.mailsTo(emailOf('pending')).length;
    expect((await api.post('/user/register', { username: 'pending', email: emailOf('pending'), password: PASSWORD })).status).toBe(200);
    await smtp.nextMailTo(emailOf('pending'), seen);
    expect((await connor('/api/v1/login', { username: 'pending', secret: PASSWORD })).statusCode).not.toBe(200);
  });

  it('lets a connor-registered account log in through ChatCLI without verification and chat', async () => {
    const created = await connor('/api/v1/users', { username: 'connie', secret: 'Conn0r-secret!' });
    expect(created.statusCode).toBe(201);
    const res = await api.post('/user/login', { username: 'connie', password: 'Conn0r-secret!' });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual({
      status: 'ok',
      message: 'Login successful',
      response: '',
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
    });
    const connie = { username: 'connie', password: 'Conn0r-secret!', email: '', access: (res.json as { access_token: string }).access_token, refresh: '' };
    expect((await api.post('/chat/fetch-chats', { session_token: connie.access })).json).toStrictEqual({ response: [], status: 'ok' });

    const dora = await signUp(api, smtp, 'dora');
    const chatID = await createChat(api, connie, dora);
    const c = await openChatSocket(node, connie.access);
    const d = await openChatSocket(node, dora.access);
    await joinChat(c, chatID);
    await joinChat(d, chatID);
    c.send({ type: 'post_msg', chatID, text: 'from connor land' });
    expect(await d.nextOf('new_message')).toMatchObject({ username: 'connie', message: 'from connor land', chatID });
    c.close();
    d.close();
    await Promise.all([c.raw.closed, d.raw.closed]);
  });
});
