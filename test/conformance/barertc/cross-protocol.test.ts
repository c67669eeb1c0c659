import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { connect, type TestSocket } from '../../helpers/ws-client.js';
import { http, login, openChatSocket, TIMESTAMP, type ChatSocket, type Http } from '../chatcli/helpers.js';
import { botPool, createAccount, eventWhere, uniqueName, type Account } from '../trueconf/harness.js';
import { action, BARERTC_TEST_SETTINGS, BareClient, type BareFrame } from './barertc-client.js';

// Issue 10's cross-protocol acceptance: a BareRTC user talks with connor, ChatCLI and TrueConf
// users on one core. BareRTC's side is a guest (no JWT), which never takes a registered name, so
// the other side is always a local account under another name; BareRTC addresses it as
// `@<username>` (reference/barertc.md §4.7), and the others address the guest's user as they
// address anyone: ChatCLI by chatID, TrueConf as `<guest>@<domain>` (reference/trueconf.md §2.1).
const DOMAIN = 'example.test';
let node: TestNode;
let api: Http;
const bots = botPool(() => node);
const open: { close(): Promise<unknown> | void; closed?: Promise<unknown> }[] = [];

beforeAll(async () => {
  node = await startNode({ env: { PARLEY_DOMAIN: DOMAIN }, settings: testSettings(NO_RATE_LIMITS + BARERTC_TEST_SETTINGS) });
  api = http(node);
});
afterAll(() => node?.stop());
afterEach(async () => {
  const sockets = open.splice(0);
  await Promise.all(sockets.map(async (s) => {
    await s.close();
    await s.closed;
  }));
  expect(await bots.closeAll()).toEqual([]);
});

/** A BareRTC guest, logged in and past its login sequence; closed after the test. */
async function bareGuest(prefix: string): Promise<{ client: BareClient; name: string; userId: number }> {
  const { client, me } = await BareClient.guest(node.wsUrl, uniqueName(prefix));
  open.push(client);
  const name = String(me['username']);
  const user = await node.server.core.users.findByUsername(name);
  return { client, name, userId: user!.id };
}

/** A ChatCLI socket for a local account (logged in over /user/login), closed after the test. */
async function chatcli(who: Account): Promise<{ ws: ChatSocket; access: string }> {
  const { access } = await login(api, who.username, who.password);
  const ws = await openChatSocket(node, access);
  open.push({ close: () => ws.close(), closed: ws.raw.closed });
  return { ws, access };
}

/** A connor writer in `room`: the JWT from /api/v1/login as the subprotocol (reference/connor.md §8.1). */
async function connorWriter(who: Account, room: string): Promise<TestSocket> {
  const res = await node.server.app.inject({ method: 'POST', url: '/api/v1/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: who.username, secret: who.password }) });
  expect(res.statusCode).toBe(200);
  const token = (res.json() as { data: { token: string } }).data.token;
  const s = await connect(`${node.wsUrl}/api/v1/rooms/${room}/messages/ws`, token);
  open.push({ close: () => s.close(), closed: s.closed });
  return s;
}

/** The connor message frames a socket has received (each frame is a one-message array, §8.3), waiting for the n-th. */
async function connorMessage(s: TestSocket, n: number): Promise<Record<string, unknown>> {
  const frame = await s.json<Record<string, unknown>[]>(n);
  expect(frame).toHaveLength(1);
  return frame[0]!;
}

const fromUser = (username: string) => (f: BareFrame) => f.action === 'message' && f['username'] === username;

describe('BareRTC ⇄ connor in lobby', () => {
  it('a guest\'s lobby line reaches a connor writer, and the connor writer\'s line reaches the guest, each in its own shape', async () => {
    const guest = await bareGuest('webby');
    const carl = await createAccount(node, uniqueName('carl'));
    const room = await connorWriter(carl, 'lobby');

    guest.client.send({ action: 'message', channel: 'lobby', message: 'hello from the website' });
    const own = await guest.client.next(fromUser(guest.name));
    // §4.4 message: exactly action, channel, username, message (HTML) and msgID.
    expect(own).toStrictEqual({ action: 'message', channel: 'lobby', username: guest.name, message: '<p>hello from the website</p>', msgID: expect.any(Number) });
    expect(own['msgID']).toBeGreaterThan(0);
    // connor §8.3: the sender as {id, username}, the text as sent, createTime in unix seconds, and
    // the later versions' message `id`, which is the same message id BareRTC calls msgID.
    expect(await connorMessage(room, 0)).toStrictEqual({ id: own['msgID'], sender: { id: guest.userId, username: guest.name }, text: 'hello from the website', createTime: expect.any(Number) });

    room.send(JSON.stringify({ text: 'hello from connor' }));
    const said = await connorMessage(room, 1);
    expect(said).toStrictEqual({ id: expect.any(Number), sender: { id: carl.user.id, username: carl.username }, text: 'hello from connor', createTime: expect.any(Number) });
    const heard = await guest.client.next(fromUser(carl.username));
    expect(heard).toStrictEqual({ action: 'message', channel: 'lobby', username: carl.username, message: '<p>hello from connor</p>', msgID: said['id'] });
    expect(heard['msgID']).toBeGreaterThan(own['msgID'] as number); // §4.4: strictly increasing
    const createTime = (await connorMessage(room, 1))['createTime'] as number;
    expect(Math.abs(createTime - Date.now() / 1000)).toBeLessThan(60);
  });

  it('a second guest who logs in afterwards gets the connor line in its echo, with an RFC 3339 timestamp', async () => {
    const carl = await createAccount(node, uniqueName('carl'));
    const room = await connorWriter(carl, 'lobby');
    room.send(JSON.stringify({ text: 'echo me' }));
    await connorMessage(room, 0);
    const late = await BareClient.open(node.wsUrl);
    open.push(late);
    late.send({ action: 'login', username: uniqueName('late') });
    const echo = await late.next(action('echo'));
    const lines = echo['messages'] as Record<string, unknown>[];
    expect(lines.at(-1)).toStrictEqual({ action: 'message', channel: 'lobby', username: carl.username, message: '<p>echo me</p>', msgID: expect.any(Number), timestamp: expect.any(String) });
    expect(Number.isNaN(Date.parse(String(lines.at(-1)!['timestamp'])))).toBe(false);
  });
});

describe('BareRTC ⇄ ChatCLI direct messages', () => {
  it('a guest\'s DM to a ChatCLI user is a ChatCLI chat named after the guest; replies come back as @<chatcli user>', async () => {
    const alice = await createAccount(node, uniqueName('alice'));
    const { ws, access } = await chatcli(alice);
    const guest = await bareGuest('visitor');

    guest.client.send({ action: 'message', channel: `@${alice.username}`, message: 'hi alice' });
    // §4.7 step 1: the sender's own copy, with the recipient as the channel.
    const first = await guest.client.next(fromUser(guest.name));
    expect(first).toStrictEqual({ action: 'message', channel: `@${alice.username}`, username: guest.name, message: '<p>hi alice</p>', msgID: expect.any(Number) });

    // The DM opened the core's direct conversation: ChatCLI lists it under the guest's name.
    const chats = await api.post('/chat/fetch-chats', { session_token: access });
    expect(chats.status).toBe(200);
    const chat = (chats.json as { response: { chatID: number; name: string; online: boolean }[] }).response.find((c) => c.name === guest.name);
    expect(chat).toStrictEqual({ chatID: expect.any(Number), name: guest.name, online: true });
    const chatID = chat!.chatID;
    const history = await api.post('/chat/messages', { username: alice.username, session_token: access, chatID });
    expect(history.json).toStrictEqual({ status: 'ok', message: '', response: [{ messageID: first['msgID'], userID: guest.userId, username: guest.name, message: 'hi alice', timestamp: expect.stringMatching(TIMESTAMP) }] });

    ws.send({ type: 'join_chat', chatID });
    await ws.barrier();
    ws.send({ type: 'post_msg', chatID, text: 'hi visitor' });
    const posted = await ws.nextOf('new_message');
    expect(posted).toStrictEqual({ type: 'new_message', messageID: expect.any(Number), chatID, userID: alice.user.id, username: alice.username, message: 'hi visitor', timestamp: expect.stringMatching(TIMESTAMP) });
    // §4.7 step 6: the recipient sees the sender as the channel, with the same msgID.
    expect(await guest.client.next(fromUser(alice.username))).toStrictEqual({ action: 'message', channel: `@${alice.username}`, username: alice.username, message: '<p>hi visitor</p>', msgID: posted['messageID'] });

    // Now that alice has joined the chat, the guest's next DM arrives live on her socket.
    guest.client.send({ action: 'message', channel: `@${alice.username}`, message: 'live now' });
    const live = await ws.nextOf('new_message');
    expect(live).toStrictEqual({ type: 'new_message', messageID: expect.any(Number), chatID, userID: guest.userId, username: guest.name, message: 'live now', timestamp: expect.stringMatching(TIMESTAMP) });
    expect(await guest.client.next(fromUser(guest.name))).toMatchObject({ channel: `@${alice.username}`, msgID: live['messageID'] });
  });

  it('a guest who wants a ChatCLI user\'s name does not get it, and a DM to that name reaches the account', async () => {
    const bob = await createAccount(node, uniqueName('bob'));
    const { access } = await chatcli(bob); // online, so BareRTC delivers DMs to bob (§4.7 step 2)
    const impostor = await BareClient.open(node.wsUrl);
    open.push(impostor);
    impostor.send({ action: 'login', username: bob.username });
    // The name belongs to an account, so the guest is suffixed as if the name were online (§3 Guests).
    expect(await impostor.next()).toStrictEqual({ action: 'me', username: `${bob.username} 2`, video: 0 });

    const guest = await bareGuest('fan');
    guest.client.send({ action: 'message', channel: `@${bob.username}`, message: 'for the real bob' });
    await guest.client.next(fromUser(guest.name));
    const chats = (await api.post('/chat/fetch-chats', { session_token: access })).json as { response: { chatID: number; name: string }[] };
    const chatID = chats.response.find((c) => c.name === guest.name)!.chatID;
    const history = (await api.post('/chat/messages', { username: bob.username, session_token: access, chatID })).json as { response: { message: string }[] };
    expect(history.response.map((m) => m.message)).toEqual(['for the real bob']);
  });
});

describe('BareRTC ⇄ TrueConf direct messages', () => {
  it('a guest\'s DM reaches a TrueConf bot as a sendMessage envelope from <guest>@<domain>, and the bot\'s reply comes back as @<bot>', async () => {
    const me = await createAccount(node, uniqueName('tcbot'));
    const bot = await bots.connect(me);
    const guest = await bareGuest('asker');

    guest.client.send({ action: 'message', channel: `@${me.username}`, message: 'hello bot' });
    const sent = await guest.client.next(fromUser(guest.name));
    expect(sent).toStrictEqual({ action: 'message', channel: `@${me.username}`, username: guest.name, message: '<p>hello bot</p>', msgID: expect.any(Number) });
    const msgID = sent['msgID'] as number;

    // reference/trueconf.md §4: the envelope of a P2P chat, the guest as a user author.
    const incoming = await eventWhere(bot, 'sendMessage', (p) => p.author.id === `${guest.name}@${DOMAIN}`);
    expect(incoming.payload).toStrictEqual({
      messageId: String(msgID),
      chatId: expect.any(String),
      timestamp: expect.any(Number),
      author: { id: `${guest.name}@${DOMAIN}`, type: 1 },
      box: { id: msgID, position: '0' },
      type: 200,
      content: { text: 'hello bot', parseMode: 'markdown' },
      isEdited: false,
      chat: expect.objectContaining({ chatId: incoming.payload.chatId }),
    });
    // The same conversation the bot reaches through createP2PChat with the guest's TrueConf id.
    const { chatId } = await bot.request('createP2PChat', { userId: `${guest.name}@${DOMAIN}` });
    expect(chatId).toBe(incoming.payload.chatId);

    const reply = await bot.sendMessage(chatId, 'hello guest', 'text', incoming.payload.messageId);
    expect(await guest.client.next(fromUser(me.username))).toStrictEqual({ action: 'message', channel: `@${me.username}`, username: me.username, message: '<p>hello guest</p>', msgID: Number(reply.messageId) });

    const history = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null });
    expect((history.messages ?? []).map((m) => [m.author.id, m.content['text']])).toEqual([
      [`${me.username}@${DOMAIN}`, 'hello guest'],
      [`${guest.name}@${DOMAIN}`, 'hello bot'],
    ]);
  });
});
