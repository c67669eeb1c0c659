import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { connect } from '../../helpers/ws-client.js';
import {
  ChatSocket, createChat, http, joinChat, openChatSocket, signUp, socketPool, startSmtpSink, TIMESTAMP, wsUrlOf, type Account, type Frame, type Http, type SmtpSink,
} from './helpers.js';

// reference/chatcli.md §6: the WebSocket on ChatCLI's own listener, with real ws clients.
let smtp: SmtpSink;
let node: TestNode;
let api: Http;
let alice: Account;
let bob: Account;
let carol: Account;
let chatID: number;

beforeAll(async () => {
  smtp = await startSmtpSink();
  node = await startNode({ env: { PARLEY_SMTP_URL: smtp.url }, settings: testSettings('[rate_limits]\nenabled = false\n') });
  api = http(node);
  alice = await signUp(api, smtp, 'alice');
  bob = await signUp(api, smtp, 'bob');
  carol = await signUp(api, smtp, 'carol');
  chatID = await createChat(api, alice, bob);
});
afterAll(async () => {
  await node?.stop();
  await smtp?.close();
});

/** Sockets opened by a test, closed (and their close awaited) after it. */
const sockets = socketPool(() => node);
const socketFor = (account: Account) => sockets.open(account);
afterEach(() => sockets.closeAll());

const isMessage = (text: string) => (f: Frame) => f['type'] === 'new_message' && f['message'] === text;
const status = (username: string, online: boolean) => (f: Frame) => f['type'] === 'user_status' && f['username'] === username && f['online'] === online;

describe('authentication', () => {
  it.each([
    ['an unknown token', { type: 'auth', token: 'A'.repeat(64) }],
    ['no token', { type: 'auth' }],
    ['an empty token', { type: 'auth', token: '' }],
    ['a token of the wrong type', { type: 'auth', token: 42 }],
  ])('closes with 1008 and no frame for %s', async (_label, first) => {
    const s = await connect(wsUrlOf(node));
    s.send(JSON.stringify(first));
    expect((await s.closed).code).toBe(1008);
    expect(s.received).toEqual([]);
  });

  it.each([['not JSON', 'hello'], ['a JSON array', '[1,2]'], ['a JSON string', '"auth"']])('closes the connection when the first frame is %s', async (_label, first) => {
    const s = await connect(wsUrlOf(node));
    s.send(first);
    await s.closed;
    expect(s.received).toEqual([]);
  });

  it('answers a valid token with exactly {"type":"auth_ack","status":"ok"} as the first frame', async () => {
    const s = await connect(wsUrlOf(node));
    sockets.track(new ChatSocket(s));
    s.send(JSON.stringify({ type: 'auth', token: alice.access }));
    expect(await s.frame(0)).toBe('{"type":"auth_ack","status":"ok"}');
  });

  it('does not require type "auth" in the first frame, only the token (§6.1)', async () => {
    const s = await connect(wsUrlOf(node));
    sockets.track(new ChatSocket(s));
    s.send(JSON.stringify({ token: bob.access }));
    expect(JSON.parse(await s.frame(0))).toStrictEqual({ type: 'auth_ack', status: 'ok' });
  });

  it('accepts an access token obtained by refresh', async () => {
    const res = await api.post('/user/refresh-token', { refresh_token: (await signUp(api, smtp, 'refresher')).refresh });
    const s = await socketFor({ ...carol, access: (res.json as { access_token: string }).access_token });
    expect(await s.barrier()).toEqual([]);
  });

  it('closes an authenticated socket that sends a frame that is not JSON (1007 or 1011)', async () => {
    const s = await socketFor(alice);
    s.send('{nope');
    expect([1007, 1011]).toContain((await s.raw.closed).code);
  });

  it('an unauthenticated socket that sends a non-auth frame first is closed with 1008', async () => {
    const s = await connect(wsUrlOf(node));
    s.send(JSON.stringify({ type: 'join_chat', chatID: 1 }));
    expect((await s.closed).code).toBe(1008);
    expect(s.received).toEqual([]);
  });
});

describe('presence', () => {
  it('announces a user coming online to joined and idle sockets of other users, not to plain ones', async () => {
    const dave = await signUp(api, smtp, 'dave');
    const joined = await socketFor(bob);
    await joinChat(joined, chatID);
    const idle = await socketFor(alice);
    idle.send({ type: 'join_idle' });
    await idle.barrier();
    const plain = await socketFor(carol);

    const daveSocket = await socketFor(dave); // its first frame was the auth_ack (checked by openChatSocket)
    for (const s of [joined, idle]) {
      const { frame } = await s.next(status('dave', true));
      expect(frame).toStrictEqual({ type: 'user_status', username: 'dave', online: true });
    }
    // Once the listeners have it, a round trip on the plain socket shows it got nothing.
    expect(await plain.barrier({ presence: true })).toEqual([]);
    expect(await daveSocket.barrier({ presence: true })).toEqual([]);
  });

  it('announces a disconnect with online:false to listeners', async () => {
    const erin = await signUp(api, smtp, 'erin');
    const idle = await socketFor(alice);
    idle.send({ type: 'join_idle' });
    await idle.barrier();
    const erinSocket = await openChatSocket(node, erin.access);
    await idle.next(status('erin', true));
    erinSocket.close();
    const { frame } = await idle.next(status('erin', false));
    expect(frame).toStrictEqual({ type: 'user_status', username: 'erin', online: false });
  });
});

describe('chat actions', () => {
  it('broadcasts new_message with every field to every subscriber, the sender included', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    a.send({ type: 'post_msg', chatID, text: 'Hello everyone!' });
    const seen = await Promise.all([a.nextOf('new_message'), b.nextOf('new_message')]);
    expect(seen[0]).toStrictEqual(seen[1]);
    const frame = seen[0];
    expect(frame).toStrictEqual({
      type: 'new_message',
      messageID: expect.any(Number),
      chatID,
      userID: expect.any(Number),
      username: 'alice',
      message: 'Hello everyone!',
      timestamp: expect.stringMatching(TIMESTAMP),
    });
    // The same message, id and timestamp in the REST history.
    const history = await api.post('/chat/messages', { username: 'bob', session_token: bob.access, chatID, limit: 1 });
    expect((history.json as { response: unknown[] }).response).toStrictEqual([
      { messageID: frame['messageID'], userID: frame['userID'], username: 'alice', message: 'Hello everyone!', timestamp: frame['timestamp'] },
    ]);
    b.send({ type: 'post_msg', chatID, text: 'hi alice' });
    expect(await a.nextOf('new_message')).toMatchObject({ username: 'bob', message: 'hi alice', chatID });
  });

  it('does not echo to a sender that has not joined the chat', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(b, chatID);
    a.send({ type: 'post_msg', chatID, text: 'unsubscribed sender' });
    expect(await b.nextOf('new_message')).toMatchObject({ message: 'unsubscribed sender' });
    expect(await a.barrier()).toEqual([]);
  });

  it('ignores a non-participant\'s join_chat silently: no frame, no subscription', async () => {
    const c = await socketFor(carol);
    const b = await socketFor(bob);
    await joinChat(b, chatID);
    c.send({ type: 'join_chat', chatID });
    expect(await c.barrier()).toEqual([]);
    b.send({ type: 'post_msg', chatID, text: 'not for carol' });
    await b.next(isMessage('not for carol'));
    expect(await c.barrier()).toEqual([]);
  });

  it('answers a non-participant\'s post_msg with "Access denied." and delivers nothing', async () => {
    const c = await socketFor(carol);
    const b = await socketFor(bob);
    await joinChat(b, chatID);
    c.send({ type: 'post_msg', chatID, text: 'intruding' });
    expect(await c.nextOf('error')).toStrictEqual({ type: 'error', message: 'Access denied.' });
    b.send({ type: 'post_msg', chatID, text: 'after the intruder' });
    const { frame, skipped } = await b.next(isMessage('after the intruder'));
    expect(frame['message']).toBe('after the intruder');
    expect(skipped.filter((f) => f['type'] !== 'user_status')).toEqual([]);
  });

  it('answers an empty or missing text (issue 9: every refusal reaches the sender) and delivers nothing', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    for (const post of [{ type: 'post_msg', chatID, text: '' }, { type: 'post_msg', chatID }]) {
      a.send(post);
      expect(await a.nextOf('error')).toStrictEqual({ type: 'error', message: 'Text is empty' });
      expect(await a.nextOf('new_message')).toStrictEqual({
        type: 'new_message', messageID: 0, chatID, userID: 0, username: '⚠ not sent ', message: 'Your message was not sent: Text is empty', timestamp: expect.stringMatching(TIMESTAMP),
      });
    }
    a.send({ type: 'post_msg', chatID, text: 'after the empty ones' });
    const { frame, skipped } = await b.next((f) => f['type'] === 'new_message');
    expect(frame['message']).toBe('after the empty ones');
    expect(skipped.filter((f) => f['type'] !== 'user_status')).toEqual([]);
  });

  it('ignores a post_msg without a usable chatID silently', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    a.send({ type: 'post_msg', text: 'no chat id' });
    a.send({ type: 'post_msg', chatID: 0, text: 'zero chat id' });
    a.send({ type: 'post_msg', chatID, text: 'valid one' });
    for (const s of [a, b]) {
      const { frame, skipped } = await s.next((f) => f['type'] === 'new_message');
      expect(frame['message']).toBe('valid one');
      expect(skipped.filter((f) => f['type'] !== 'user_status')).toEqual([]);
    }
  });

  it('stops delivery after leave_chat', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    b.send({ type: 'leave_chat', chatID });
    expect(await b.barrier()).toEqual([]);
    a.send({ type: 'post_msg', chatID, text: 'bob left' });
    await a.next(isMessage('bob left'));
    expect(await b.barrier()).toEqual([]);
  });

  it('accepts chatID as a numeric string', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, String(chatID));
    await joinChat(b, String(chatID));
    a.send({ type: 'post_msg', chatID: String(chatID), text: 'stringly' });
    for (const s of [a, b]) expect(await s.nextOf('new_message')).toMatchObject({ message: 'stringly', chatID });
    b.send({ type: 'typing', chatID: String(chatID) });
    expect(await a.nextOf('user_typing')).toStrictEqual({ type: 'user_typing', username: 'bob', chatID });
  });

  it('broadcasts typing as user_typing to the subscribers, the sender included', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    const c = await socketFor(carol);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    a.send({ type: 'typing', chatID });
    for (const s of [a, b]) expect(await s.nextOf('user_typing')).toStrictEqual({ type: 'user_typing', username: 'alice', chatID });
    // A non-participant's typing reaches nobody and answers nothing.
    c.send({ type: 'typing', chatID });
    expect(await c.barrier()).toEqual([]);
    b.send({ type: 'post_msg', chatID, text: 'after carol typed' });
    const { skipped } = await a.next(isMessage('after carol typed'));
    expect(skipped.filter((f) => f['type'] !== 'user_status')).toEqual([]);
  });

  it('answers an unknown action, and a missing type as "None"', async () => {
    const a = await socketFor(alice);
    a.send({ type: 'dance', chatID });
    expect(await a.nextOf('error')).toStrictEqual({ type: 'error', message: 'Unknown action: dance' });
    a.send({ chatID, text: 'typeless' });
    expect(await a.nextOf('error')).toStrictEqual({ type: 'error', message: 'Unknown action: None' });
    a.send({ type: 'auth', token: alice.access });
    expect(await a.nextOf('error')).toStrictEqual({ type: 'error', message: 'Unknown action: auth' });
  });

  it('removes a closed socket from its chats, and the others keep receiving', async () => {
    const a = await socketFor(alice);
    const gone = await openChatSocket(node, bob.access);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(gone, chatID);
    await joinChat(b, chatID);
    gone.close();
    await gone.raw.closed;
    a.send({ type: 'post_msg', chatID, text: 'still here' });
    expect(await b.nextOf('new_message')).toMatchObject({ message: 'still here' });
    expect(await a.nextOf('new_message')).toMatchObject({ message: 'still here' });
  });
});
