import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';
import { connect, type TestSocket } from '../../helpers/ws-client.js';
import { http, joinChat, login, openChatSocket, TIMESTAMP, type ChatSocket, type Frame, type Http } from '../chatcli/helpers.js';
import type { TrueConfBot } from './client.js';
import { botPool, createAccount, eventWhere, PASSWORD, uniqueName, type Account } from './harness.js';

// Issue #4's acceptance: a TrueConf bot talks with people who use ChatCLI and connor, all on
// one core (reference/trueconf.md, reference/chatcli.md, reference/connor.md).
const DOMAIN = 'example.test';
let node: TestNode;
let api: Http;
const bots = botPool(() => node);
const sockets: { close(): void; closed: Promise<unknown> }[] = [];

beforeAll(async () => {
  node = await startNode({ env: { PARLEY_DOMAIN: DOMAIN } });
  api = http(node);
});
afterAll(() => node?.stop());
afterEach(async () => {
  const open = sockets.splice(0);
  for (const s of open) s.close();
  await Promise.all(open.map((s) => s.closed));
  expect(await bots.closeAll()).toEqual([]);
});

const account = (prefix: string): Promise<Account> => createAccount(node, uniqueName(prefix));

/** A ChatCLI socket for `who`, logged in through /user/login, closed after the test. */
async function chatcliSocket(who: Account): Promise<{ ws: ChatSocket; access: string }> {
  const { access } = await login(api, who.username, PASSWORD);
  const ws = await openChatSocket(node, access);
  sockets.push({ close: () => ws.close(), closed: ws.raw.closed });
  return { ws, access };
}

/** A connor room socket for `who` (the JWT travels as the subprotocol), closed after the test. */
async function connorRoom(who: Account, room: string): Promise<TestSocket> {
  const res = await node.server.app.inject({ method: 'POST', url: '/api/v1/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: who.username, secret: PASSWORD }) });
  expect(res.statusCode).toBe(200);
  const token = (res.json() as { data: { token: string } }).data.token;
  const s = await connect(`${node.wsUrl}/api/v1/rooms/${room}/messages/ws`, token);
  sockets.push({ close: () => s.close(), closed: s.closed });
  return s;
}

const fromUser = (username: string) => (f: Frame) => f['type'] === 'new_message' && f['username'] === username;

/**
 * An echo bot written against the client as a bot author would: every sendMessage event not
 * from itself is answered with the same text, as a reply. Ends when the socket closes.
 */
function runEchoBot(bot: TrueConfBot): void {
  void (async () => {
    for (;;) {
      const { payload } = await bot.nextEvent('sendMessage', 60_000);
      if (payload.author.id === bot.meId) continue;
      await bot.sendMessage(payload.chatId, String(payload.content['text']), 'text', payload.messageId);
    }
  })().catch(() => undefined);
}

describe('TrueConf ⇄ ChatCLI', () => {
  it("a P2P chat the bot opens is the conversation alice sees through ChatCLI, named after the bot", async () => {
    const me = await account('crossbot');
    const alice = await account('alice');
    const bot = await bots.connect(me);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const { access } = await login(api, alice.username, PASSWORD);
    const res = await api.post('/chat/fetch-chats', { session_token: access });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual({ response: [{ chatID: Number(chatId), name: me.username, online: expect.any(Boolean) }], status: 'ok' }); // online: ChatCLI's presence flag (issue 9)
  });

  it("alice's ChatCLI message reaches the bot as sendMessage, and the bot's reply reaches her socket as new_message", async () => {
    const me = await account('crossbot');
    const alice = await account('alice');
    const bot = await bots.connect(me);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const chatID = Number(chatId);
    const { ws, access } = await chatcliSocket(alice);
    await joinChat(ws, chatID);

    ws.send({ type: 'post_msg', chatID, text: 'hello bot' });
    const posted = (await ws.next(fromUser(alice.username))).frame;
    const incoming = await eventWhere(bot, 'sendMessage', (p) => p.author.id === alice.trueconfId);
    expect(incoming.payload).toMatchObject({ chatId, messageId: String(posted['messageID']), type: 200, content: { text: 'hello bot' }, isEdited: false });

    const reply = await bot.sendMessage(chatId, 'hello alice', 'text', incoming.payload.messageId);
    const answer = (await ws.next(fromUser(me.username))).frame;
    expect(answer).toStrictEqual({
      type: 'new_message', messageID: Number(reply.messageId), chatID, userID: me.user.id, username: me.username, message: 'hello alice', timestamp: expect.stringMatching(TIMESTAMP),
    });

    // One conversation: both protocols read the same history.
    const viaChatcli = await api.post('/chat/messages', { username: alice.username, session_token: access, chatID });
    expect((viaChatcli.json as { response: { message: string }[] }).response.map((m) => m.message)).toEqual(['hello bot', 'hello alice']);
    const viaTrueconf = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null });
    expect((viaTrueconf.messages ?? []).map((m) => m.content['text'])).toEqual(['hello alice', 'hello bot']);
  });

  it('an echo bot built on the client answers alice through ChatCLI', async () => {
    const me = await account('echobot');
    const alice = await account('alice');
    runEchoBot(await bots.connect(me));
    const { ws, access } = await chatcliSocket(alice);
    const created = await api.post('/chat/create-chat', { session_token: access, receiver: me.username });
    expect(created.status).toBe(200);
    const chatID = (created.json as { chatID: number }).chatID;
    await joinChat(ws, chatID);
    for (const text of ['ping', 'pong?', 'ünïcödé ✓']) {
      ws.send({ type: 'post_msg', chatID, text });
      expect((await ws.next(fromUser(me.username))).frame).toMatchObject({ type: 'new_message', chatID, message: text });
    }
  });
});

describe('TrueConf ⇄ connor', () => {
  it('a connor room the bot joined is a group chat in getChats, and messages cross both ways', async () => {
    const me = await account('roombot');
    const alice = await account('alice');
    const room = uniqueName('lounge');
    await connorRoom(me, room); // joins the room as a writer, before the bot connects
    const bot = await bots.connect(me);
    const chats = await bot.request('getChats', { count: 50, page: 1 });
    const chat = chats.find((c) => c.title === room);
    expect(chat).toMatchObject({ chatType: 2, title: room });
    const chatId = chat!.chatId;

    const aliceInRoom = await connorRoom(alice, room);
    aliceInRoom.send(JSON.stringify({ text: 'hi from connor' }));
    const incoming = await eventWhere(bot, 'sendMessage', (p) => p.chatId === chatId && p.author.id === alice.trueconfId);
    expect(incoming.payload).toMatchObject({ type: 200, content: { text: 'hi from connor' } });

    await bot.sendMessage(chatId, 'hi from trueconf', 'text');
    for (let i = 0; ; i++) {
      const frame = await aliceInRoom.json<{ sender: { username: string }; text: string }[]>(i);
      if (frame[0]?.text === 'hi from trueconf') {
        expect(frame[0].sender.username).toBe(me.username);
        break;
      }
    }
  });
});
