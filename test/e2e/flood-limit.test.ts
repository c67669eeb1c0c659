import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BARERTC_TEST_SETTINGS, BareClient, type BareFrame } from '../conformance/barertc/barertc-client.js';
import { joinChat, openChatSocket, TIMESTAMP, type ChatSocket } from '../conformance/chatcli/helpers.js';
import { TrueConfError } from '../conformance/trueconf/client.js';
import { botPool, createAccount, eventWhere, payloadsOf, textsOf, uniqueName, type Account } from '../conformance/trueconf/harness.js';
import { chatcliLogin, connorLogin, roomUrl } from './access-matrix/doors.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { startNode, testSettings, type TestNode } from '../helpers/start-node.js';
import { connect, type TestSocket } from '../helpers/ws-client.js';

// Issue 12 item 2: the per-user flood limit (`rate_limits.message`) is one budget for an account
// on every door together. Here four messages per minute: an account that has sent four, through
// connor's room socket, ChatCLI's socket and a TrueConf bot in turn, is refused its fifth on each
// door in that door's own shape; the refused messages are neither stored nor delivered, and other
// accounts go on sending. On two nodes sharing Redis, sends through either node spend one budget.

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');

/** The budget: four messages per 60 s; every other limit too large to matter here. */
const BUDGET = 4;
const SETTINGS = testSettings(
  `[rate_limits]\nenabled = true\nmessage = "${BUDGET}/60"\nlogin = "1000/60"\nregister = "1000/60"\nverify = "1000/60"\nreset = "1000/60"\nrefresh = "1000/60"\n${BARERTC_TEST_SETTINGS}`,
);

/** The core's refusal text for a flood (core/services/limits.ts), as TrueConf and BareRTC pass it on. */
const FLOOD_MESSAGE = 'You are sending messages too fast, slow down';
/** ChatCLI's 429 message (src/protocols/chatcli/errors.ts). */
const CHATCLI_REFUSAL = 'Too many requests, try again later';

/** The nodes a scenario runs on: `a` and `b` are the same node on one SQLite node. */
interface Nodes {
  readonly a: TestNode;
  readonly b: TestNode;
}

/** The text of the one message in a connor frame (a one-element array, connor.md §8.3). */
const connorText = async (socket: TestSocket, n: number): Promise<string> => {
  const frame = await socket.json<{ text: string }[]>(n);
  expect(frame).toHaveLength(1);
  return frame[0]!.text;
};

/** Every text a connor socket was shown so far. */
const connorTexts = (socket: TestSocket): string[] => socket.received.flatMap((f) => (JSON.parse(f) as { text: string }[]).map((m) => m.text));

/** The texts of a connor room's stored history, oldest first (GET /api/v1/messages, connor.md §10). */
async function connorHistory(node: TestNode, room: string): Promise<string[]> {
  const info = (await (await fetch(`${node.url}/api/v1/rooms/${encodeURIComponent(room)}`)).json()) as { data: { id: number } };
  const res = await fetch(`${node.url}/api/v1/messages?room_id=${info.data.id}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { text: string }[] }).data.map((m) => m.text);
}

/**
 * The scenarios, on one node or across two. Sockets and bots are closed after each test; the
 * accounts are fresh per test, so each has its own budget.
 */
function floodTests(nodesOf: () => Nodes): void {
  const botsA = botPool(() => nodesOf().a);
  const botsB = botPool(() => nodesOf().b);
  const sockets: TestSocket[] = [];
  const track = <T extends TestSocket>(s: T): T => (sockets.push(s), s);

  afterEach(async () => {
    const open = sockets.splice(0);
    for (const s of open) s.ws.terminate();
    await Promise.all(open.map((s) => s.closed));
    expect(await botsA.closeAll()).toEqual([]);
    expect(await botsB.closeAll()).toEqual([]);
  });

  /** A connor writer socket in `room` on `node`. */
  const connorWriter = async (node: TestNode, who: Account, room: string): Promise<TestSocket> =>
    track(await connect(roomUrl(node, room), await connorLogin(node, who.username, who.password)));

  /** A ChatCLI socket on `node`, logged in over /user/login and joined to `chatId`. */
  const chatcliSocket = async (node: TestNode, who: Account, chatId: number): Promise<ChatSocket> => {
    const socket = await openChatSocket(node, (await chatcliLogin(node, who.username, who.password)).access);
    track(socket.raw);
    await joinChat(socket, chatId);
    return socket;
  };

  it('one account has one budget on connor, ChatCLI and TrueConf together; each door refuses the next message in its own shape, and nothing of it is stored or delivered', async () => {
    const { a, b } = nodesOf();
    const [alice, bob, carol] = await Promise.all([createAccount(a, uniqueName('flooder')), createAccount(a, uniqueName('bob')), createAccount(a, uniqueName('carol'))]);
    const room = uniqueName('floodroom');

    // Bob watches the room (connor, node B) and his direct chats (a TrueConf bot, node B).
    const bobRoom = await connorWriter(b, bob, room);
    const bobBot = await botsB.connect(bob);
    // Alice's three doors: connor and TrueConf on node A, ChatCLI on node B.
    const aliceRoom = await connorWriter(a, alice, room);
    const aliceBot = await botsA.connect(alice);
    const { chatId } = await aliceBot.request('createP2PChat', { userId: bob.trueconfId });
    const chatID = Number(chatId);
    const aliceChat = await chatcliSocket(b, alice, chatID);

    // 1-2: connor's room socket; bob is shown each.
    aliceRoom.send(JSON.stringify({ text: 'c1' }));
    expect(await connorText(bobRoom, 0)).toBe('c1');
    aliceRoom.send(JSON.stringify({ text: 'c2' }));
    expect(await connorText(bobRoom, 1)).toBe('c2');
    // 3: ChatCLI; bob's bot is shown it.
    aliceChat.send({ type: 'post_msg', chatID, text: 'h1' });
    await eventWhere(bobBot, 'sendMessage', (p) => p.content.text === 'h1');
    // 4: TrueConf; the last message of the budget is accepted.
    const accepted = await aliceBot.sendMessage(chatId, 't1', 'text');
    expect(accepted.messageId).toEqual(expect.any(String));
    await eventWhere(bobBot, 'sendMessage', (p) => p.content.text === 't1');

    // Budget spent: three sends through node A and one through node B. On two nodes each refusal
    // below proves the nodes count together: alone, neither node would have reached four.
    // 5 on TrueConf: errorCode 302 "Access denied" (trueconf.md §5) with the core's reason.
    const refused = await aliceBot.sendMessage(chatId, 't2', 'text').then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(TrueConfError);
    expect(refused).toMatchObject({ errorCode: 302, errorDescription: FLOOD_MESSAGE });

    // 5 on ChatCLI: the error frame, then the refusal notice the client shows, to alice only.
    aliceChat.send({ type: 'post_msg', chatID, text: 'h2' });
    const error = await aliceChat.next((f) => f['type'] === 'error');
    expect(error.frame).toStrictEqual({ type: 'error', message: CHATCLI_REFUSAL });
    const notice = await aliceChat.next((f) => f['type'] === 'new_message' && f['messageID'] === 0);
    expect(notice.frame).toStrictEqual({
      type: 'new_message', messageID: 0, chatID, userID: 0, username: '⚠ not sent ', message: `Your message was not sent: ${CHATCLI_REFUSAL}\n\nh2`, timestamp: expect.stringMatching(TIMESTAMP),
    });

    // 5 on connor: the room socket has no error frame, so the writer is disconnected with 1008 RATE_LIMITED.
    aliceRoom.send(JSON.stringify({ text: 'c3' }));
    expect(await aliceRoom.closed).toEqual({ code: 1008, reason: 'RATE_LIMITED' });

    // Carol is not affected: her line in the room and her DM to bob go through, and are what bob
    // is shown next (no refused message came before them).
    const carolRoom = await connorWriter(a, carol, room);
    carolRoom.send(JSON.stringify({ text: 'carol-room' }));
    expect(await connorText(bobRoom, 2)).toBe('carol-room');
    const carolBot = await botsA.connect(carol);
    const carolChat = await carolBot.request('createP2PChat', { userId: bob.trueconfId });
    await carolBot.sendMessage(carolChat.chatId, 'carol-dm', 'text');
    await eventWhere(bobBot, 'sendMessage', (p) => p.content.text === 'carol-dm');

    expect(connorTexts(bobRoom)).toEqual(['c1', 'c2', 'carol-room']);
    // Bob's bot is shown the room too (he is a member): the direct chats' lines are the ones here.
    const direct = (id: string) => payloadsOf(bobBot, 'sendMessage').filter((p) => p['chatId'] === id).map((p) => (p['content'] as { text: string }).text);
    expect(direct(chatId)).toEqual(['h1', 't1']);
    expect(direct(carolChat.chatId)).toEqual(['carol-dm']);
    expect(textsOf(bobBot)).not.toContain('t2');
    expect(textsOf(bobBot)).not.toContain('h2');
    expect(textsOf(bobBot)).not.toContain('c3');
    // History has the accepted messages only, on either node.
    expect(await connorHistory(a, room)).toEqual(['c1', 'c2', 'carol-room']);
    const history = await bobBot.request('getChatHistory', { chatId, count: 10, fromMessageId: null });
    expect((history.messages ?? []).map((m) => m.content['text'])).toEqual(['t1', 'h1']);
  });

  it('a BareRTC guest is refused its fifth line with a ChatServer error, which nobody else is shown; another guest goes on', async () => {
    const { a, b } = nodesOf();
    const open: BareClient[] = [];
    try {
      const flooder = await BareClient.guest(a.wsUrl, uniqueName('gflood'));
      open.push(flooder.client);
      const watcher = await BareClient.guest(b.wsUrl, uniqueName('gwatch'));
      open.push(watcher.client);
      const other = await BareClient.guest(a.wsUrl, uniqueName('gother'));
      open.push(other.client);
      const name = String(flooder.me['username']);
      const lineOf = (who: string, text: string) => (f: BareFrame) => f.action === 'message' && f['username'] === who && f['message'] === `<p>${text}</p>`;

      for (let i = 1; i <= BUDGET; i++) {
        flooder.client.send({ action: 'message', channel: 'lobby', message: `b${i}` });
        await watcher.client.next(lineOf(name, `b${i}`));
      }
      flooder.client.send({ action: 'message', channel: 'lobby', message: 'b5' });
      // §4.4: a ChatServer `error` notice on the sender's socket (the login's welcome notices carry a `channel`).
      expect(await flooder.client.next((f) => f.action === 'error' && !('channel' in f))).toStrictEqual({ action: 'error', username: 'ChatServer', message: FLOOD_MESSAGE });

      const otherName = String(other.me['username']);
      other.client.send({ action: 'message', channel: 'lobby', message: 'still here' });
      await watcher.client.next(lineOf(otherName, 'still here'));
      const lobbyLines = watcher.client.all().filter((f) => f.action === 'message' && f['username'] === name).map((f) => f['message']);
      expect(lobbyLines).toEqual(['<p>b1</p>', '<p>b2</p>', '<p>b3</p>', '<p>b4</p>']);
    } finally {
      for (const c of open) c.socket.ws.terminate();
      await Promise.all(open.map((c) => c.socket.closed));
    }
  });

  it("BareRTC's /poll transport is held to the same limit: the fifth line is answered with the ChatServer error and not delivered", async () => {
    const { a, b } = nodesOf();
    type PollAnswer = { session_id: string; username: string; messages: BareFrame[] };
    const poll = async (body: unknown): Promise<PollAnswer> => {
      const res = await fetch(`${b.url}/poll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return (await res.json()) as PollAnswer;
    };
    const watcher = await BareClient.guest(a.wsUrl, uniqueName('pwatch'));
    try {
      const login = await poll({ username: '', session_id: '', msg: { action: 'login', username: uniqueName('poller') } });
      const session = { username: login.username, session_id: login.session_id };
      const lineOf = (text: string) => (f: BareFrame) => f.action === 'message' && f['username'] === session.username && f['message'] === `<p>${text}</p>`;
      for (let i = 1; i <= BUDGET; i++) {
        await poll({ ...session, msg: { action: 'message', channel: 'lobby', message: `p${i}` } });
        await watcher.client.next(lineOf(`p${i}`));
      }
      const refused = await poll({ ...session, msg: { action: 'message', channel: 'lobby', message: 'p5' } });
      expect(refused.messages).toContainEqual({ action: 'error', username: 'ChatServer', message: FLOOD_MESSAGE });
      expect(refused.messages.filter(lineOf('p5'))).toEqual([]);
      // Refused before anything is stored or published: once the refusal is answered, p5 can no longer appear.
      const after = await poll({ ...session, msg: { action: 'ping' } });
      expect(after.messages.filter(lineOf('p5'))).toEqual([]);
      expect(watcher.client.all().filter((f) => f.action === 'message' && f['username'] === session.username).map((f) => f['message'])).toEqual(['<p>p1</p>', '<p>p2</p>', '<p>p3</p>', '<p>p4</p>']);
    } finally {
      watcher.client.socket.ws.terminate();
      await watcher.client.socket.closed;
    }
  });
}

describe('the message flood limit on one node', () => {
  let node: TestNode | undefined;
  beforeAll(async () => {
    node = await startNode({ settings: SETTINGS });
  });
  afterAll(() => node?.stop());

  floodTests(() => ({ a: node!, b: node! }));
});

describe.runIf(pgAvailable && redisAvailable)('the message flood limit across two nodes on PostgreSQL and Redis', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let a: TestNode | undefined;
  let b: TestNode | undefined;

  beforeAll(async () => {
    db = await createTempDatabase();
    // One channel for bus and limiter keys: both nodes count in the same Redis keys.
    const env = { PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix() };
    a = await startNode({ env, settings: SETTINGS });
    b = await startNode({ env, settings: SETTINGS });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await db?.drop();
  });

  floodTests(() => ({ a: a!, b: b! }));
});
