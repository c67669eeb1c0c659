import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/open-store.js';
import { http, joinChat, login, openChatSocket, type ChatSocket, type Frame } from '../conformance/chatcli/helpers.js';
import { fetchToken, TrueConfBot } from '../conformance/trueconf/client.js';
import { textsOf } from '../conformance/trueconf/harness.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { fastHasher, NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../helpers/start-node.js';
import { eventually } from '../helpers/wait.js';
import { connect, type TestSocket } from '../helpers/ws-client.js';

// Issue 10 item 6: a mute or block set through BareRTC (reference/barertc.md §4.6, §4.7) holds at
// delivery on every door — connor's lobby, ChatCLI and TrueConf direct chats, BareRTC itself — on
// every node, and after a restart. The muted author's messages never arrive; others' do, in the
// same order, so a later message from someone else is the proof that an earlier one was held back.

const PASSWORD = 'Passw0rd!';
let names = 0;
const unique = (prefix: string): string => `${prefix}${++names}`;

/** Everything opened by a test, closed after it. */
const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});
const track = <T extends { close(): Promise<unknown> }>(o: T): T => (opened.push(o), o);
const socketCloser = (s: TestSocket) => ({ close: () => (s.close(), s.closed) });

type BareFrame = Record<string, unknown> & { action: string };

/** A BareRTC page's socket (§4): frames parsed, awaited by predicate. */
class Bare {
  #seen = 0;
  #markers = 0;
  constructor(readonly socket: TestSocket) {}
  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }
  async next(match: (f: BareFrame) => boolean): Promise<BareFrame> {
    for (;;) {
      const f = JSON.parse(await this.socket.frame(this.#seen++)) as BareFrame;
      if (match(f)) return f;
    }
  }
  /** `mute`, `unmute` or `block` (§4.3), then a round trip: actions run in order, so it has been applied. */
  async relate(action: 'mute' | 'unmute' | 'block', username: string): Promise<void> {
    this.send({ action, username });
    const marker = `barrier-${++this.#markers}`;
    this.send({ action: marker });
    await this.next((f) => f.action === 'error' && f['message'] === `Unsupported message type: ${marker}`);
  }
  /** The texts of every `message` frame so far (HTML rendered from markdown; the words survive). */
  messages(): string[] {
    return this.socket.received.map((t) => JSON.parse(t) as BareFrame).filter((f) => f.action === 'message').map((f) => String(f['message']));
  }
}

async function bareLogin(node: TestNode, username: string): Promise<Bare> {
  const s = await connect(`${node.wsUrl}/ws`);
  track(socketCloser(s));
  const bare = new Bare(s);
  bare.send({ action: 'login', username });
  expect(await bare.next((f) => f.action === 'me')).toEqual({ action: 'me', username, video: 0 });
  return bare;
}

/**
 * A BareRTC guest is an account without a password; Parley has no command yet to give one, so the
 * test sets it in the database, letting one person use the BareRTC door and the others as one user.
 */
async function givePassword(node: TestNode, username: string): Promise<void> {
  const store = await openStore({ databaseUrl: node.config.database.url, sqliteFile: node.config.database.sqliteFile });
  try {
    const user = await store.users.findByUsername(username);
    await store.users.update(user!.id, { passwordHash: await fastHasher.hash(PASSWORD) });
  } finally {
    await store.close();
  }
}

/** A connor socket in `lobby` for a logged-in user (reference/connor.md §6): one-element arrays. */
async function connorLobby(node: TestNode, username: string): Promise<TestSocket> {
  const res = await fetch(`${node.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, secret: PASSWORD }) });
  expect(res.status).toBe(200);
  const token = ((await res.json()) as { data: { token: string } }).data.token;
  const s = await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, token);
  track(socketCloser(s));
  return s;
}
const connorTexts = (s: TestSocket): string[] => s.received.flatMap((t) => (JSON.parse(t) as { text: string }[]).map((m) => m.text));

/** A ChatCLI socket that has joined the direct chats with `peers` (reference/chatcli.md §5.9, §6). */
async function chatcli(node: TestNode, username: string, peers: readonly string[]): Promise<{ ws: ChatSocket; chats: Map<string, number> }> {
  const api = http(node);
  const { access } = await login(api, username, PASSWORD);
  const ws = await openChatSocket(node, access);
  track({ close: () => (ws.close(), ws.raw.closed) });
  const chats = new Map<string, number>();
  for (const peer of peers) {
    const chatID = await chatWith(node, access, peer);
    await joinChat(ws, chatID);
    chats.set(peer, chatID);
  }
  return { ws, chats };
}

/** The ChatCLI chat with `peer`: created, or found in fetch-chats when the other side made it (409). */
async function chatWith(node: TestNode, access: string, peer: string): Promise<number> {
  const api = http(node);
  const created = await api.post('/chat/create-chat', { session_token: access, receiver: peer });
  if (created.status === 200) return (created.json as { chatID: number }).chatID;
  expect(created.status).toBe(409);
  const chats = (await api.post('/chat/fetch-chats', { session_token: access })).json as { response: { chatID: number; name: string }[] };
  return chats.response.find((c) => c.name === peer)!.chatID;
}
const chatcliTexts = (ws: ChatSocket): string[] => ws.all().filter((f) => f['type'] === 'new_message').map((f) => String(f['message']));

async function trueconf(node: TestNode, username: string): Promise<TrueConfBot> {
  const { access_token } = await fetchToken(node.url, username, PASSWORD);
  return track(await TrueConfBot.connect(node.wsUrl, access_token));
}

/** Someone who writes in the lobby (connor) and to the viewer directly (ChatCLI), waiting for each echo. */
interface Author {
  readonly username: string;
  say(text: string): Promise<void>;
  dm(text: string): Promise<void>;
  lobby: TestSocket;
}

async function author(node: TestNode, username: string, viewer: string): Promise<Author> {
  const lobby = await connorLobby(node, username);
  const { ws, chats } = await chatcli(node, username, [viewer]);
  const chatID = chats.get(viewer)!;
  return {
    username,
    lobby,
    async say(text) {
      lobby.send(JSON.stringify({ text }));
      await eventually(() => expect(connorTexts(lobby)).toContain(text));
    },
    async dm(text) {
      ws.send({ type: 'post_msg', chatID, text });
      await ws.next((f: Frame) => f['type'] === 'new_message' && f['message'] === text);
    },
  };
}

/** The viewer on every door at once. */
interface Viewer {
  bare: Bare | null;
  lobby: TestSocket;
  chat: ChatSocket;
  bot: TrueConfBot;
}

async function viewerDoors(node: TestNode, username: string, peers: readonly string[], bare: Bare | null): Promise<Viewer> {
  return { bare, lobby: await connorLobby(node, username), chat: (await chatcli(node, username, peers)).ws, bot: await trueconf(node, username) };
}

/**
 * `muted` and `other` each say `${tag} <name> lobby` in the lobby and `${tag} <name> dm` to the
 * viewer, the muted author first. Once every door of the viewer shows the other author's lines,
 * the muted author's would have arrived too: resolves to which of them each door shows.
 */
async function round(tag: string, muted: Author, other: Author, viewer: Viewer): Promise<Record<string, string[]>> {
  const line = (a: Author, where: string) => `${tag} ${a.username} ${where}`;
  await muted.say(line(muted, 'lobby'));
  await muted.dm(line(muted, 'dm'));
  await other.say(line(other, 'lobby'));
  await other.dm(line(other, 'dm'));
  const doors = () => ({
    connor: connorTexts(viewer.lobby),
    chatcli: chatcliTexts(viewer.chat),
    trueconf: textsOf(viewer.bot),
    ...(viewer.bare ? { barertc: viewer.bare.messages() } : {}),
  });
  await eventually(() => {
    const seen = doors();
    expect(seen.connor).toContain(line(other, 'lobby'));
    expect(seen.chatcli).toContain(line(other, 'dm'));
    expect(seen.trueconf).toEqual(expect.arrayContaining([line(other, 'lobby'), line(other, 'dm')]));
    if (seen.barertc) for (const l of [line(other, 'lobby'), line(other, 'dm')]) expect(seen.barertc.some((m) => m.includes(l))).toBe(true);
  }, 10_000);
  const fromMuted = (texts: string[]) => texts.filter((t) => t.includes(`${tag} ${muted.username} `));
  return Object.fromEntries(Object.entries(doors()).map(([door, texts]) => [door, fromMuted(texts)]));
}

const nothingFrom = (withBare = true) => ({ connor: [], chatcli: [], trueconf: [], ...(withBare ? { barertc: [] } : {}) });

describe('mutes and blocks set through BareRTC, on one node', () => {
  let dir: string;
  let node: TestNode | undefined;
  afterAll(async () => {
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a mute hides the muted author from the muter on every door, and only from the muter; unmute restores', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parley-mutes-'));
    node = await startNode({ dir, settings: testSettings(NO_RATE_LIMITS) });
    const [mia, tom, una] = [unique('mia'), unique('tom'), unique('una')];
    for (const name of [tom, una]) await node.server.core.users.register({ username: name, password: PASSWORD });
    const bare = await bareLogin(node, mia);
    await givePassword(node, mia);
    const viewer = await viewerDoors(node, mia, [tom, una], bare);
    const [t, u] = [await author(node, tom, mia), await author(node, una, mia)];

    const before = await round('r0', t, u, viewer);
    expect(before).toEqual({ connor: [`r0 ${tom} lobby`], chatcli: [`r0 ${tom} dm`], trueconf: [`r0 ${tom} lobby`, `r0 ${tom} dm`], barertc: [expect.stringContaining(`r0 ${tom} lobby`), expect.stringContaining(`r0 ${tom} dm`)] });

    await bare.relate('mute', tom);
    expect(await round('r1', t, u, viewer)).toEqual(nothingFrom());
    // Only the muter is spared: una, in the lobby with tom, still hears him.
    expect(connorTexts(u.lobby)).toContain(`r1 ${tom} lobby`);
    // A muted user's DMs are dropped for the muter for good (§4.7), history included.
    const api = http(node);
    const { access } = await login(api, mia, PASSWORD);
    const chatID = await chatWith(node, access, tom);
    const history = await api.post('/chat/messages', { username: mia, session_token: access, chatID });
    expect((history.json as { response: { message: string }[] }).response.map((m) => m.message)).toEqual([`r0 ${tom} dm`]);

    await bare.relate('unmute', tom);
    const after = await round('r2', t, u, viewer);
    expect(after['connor']).toEqual([`r2 ${tom} lobby`]);
    expect(after['chatcli']).toEqual([`r2 ${tom} dm`]);
    expect(after['trueconf']).toEqual([`r2 ${tom} lobby`, `r2 ${tom} dm`]);
    expect(after['barertc']).toHaveLength(2);
  });

  it('a mute survives a restart: sessions opened afterwards load it from the store', async () => {
    const [mia, tom, una] = [unique('mia'), unique('tom'), unique('una')];
    for (const name of [tom, una]) await node!.server.core.users.register({ username: name, password: PASSWORD });
    const bare = await bareLogin(node!, mia);
    await givePassword(node!, mia);
    await bare.relate('mute', tom);
    await Promise.all(opened.splice(0).map((o) => o.close()));
    await node!.stop();
    node = await startNode({ dir });

    const viewer = await viewerDoors(node, mia, [tom, una], null);
    const [t, u] = [await author(node, tom, mia), await author(node, una, mia)];
    expect(await round('r3', t, u, viewer)).toEqual(nothingFrom(false));
  });

  it('a block hides both ways on every door, and refuses new DMs either way', async () => {
    const [mia, tom, una] = [unique('mia'), unique('tom'), unique('una')];
    for (const name of [tom, una]) await node!.server.core.users.register({ username: name, password: PASSWORD });
    const bare = await bareLogin(node!, mia);
    await givePassword(node!, mia);
    const viewer = await viewerDoors(node!, mia, [tom, una], bare);
    const [t, u] = [await author(node!, tom, mia), await author(node!, una, mia)];
    await bare.relate('block', tom);

    // tom → mia: nothing in the lobby on any door.
    await t.say(`b1 ${tom} lobby`);
    await u.say(`b1 ${una} lobby`);
    await eventually(() => {
      expect(connorTexts(viewer.lobby)).toContain(`b1 ${una} lobby`);
      expect(textsOf(viewer.bot)).toContain(`b1 ${una} lobby`);
      expect(bare.messages().some((m) => m.includes(`b1 ${una} lobby`))).toBe(true);
    });
    expect(connorTexts(viewer.lobby).filter((x) => x.includes(tom))).toEqual([]);
    expect(textsOf(viewer.bot).filter((x) => x.includes(tom))).toEqual([]);
    expect(bare.messages().filter((x) => x.includes(tom))).toEqual([]);

    // mia → tom: her lobby lines do not reach him either, while una hears them.
    viewer.lobby.send(JSON.stringify({ text: `b2 ${mia} lobby` }));
    await eventually(() => expect(connorTexts(u.lobby)).toContain(`b2 ${mia} lobby`));
    await u.say(`b2 ${una} lobby`);
    await eventually(() => expect(connorTexts(t.lobby)).toContain(`b2 ${una} lobby`));
    expect(connorTexts(t.lobby).filter((x) => x.includes(mia))).toEqual([]);

    // Direct messages are refused at send time, either way (ChatCLI's own error shape).
    const api = http(node!);
    expect((await api.post('/chat/create-chat', { session_token: (await login(api, tom, PASSWORD)).access, receiver: mia })).status).toBe(403);
    const refused = await api.post('/chat/create-chat', { session_token: (await login(api, mia, PASSWORD)).access, receiver: tom });
    expect(refused.status).toBe(403);
  });
});

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');

describe.runIf(pgAvailable && redisAvailable)('mutes across two nodes on PostgreSQL and Redis', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let a: TestNode | undefined;
  let b: TestNode | undefined;
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('a mute set on node A holds for the muter\'s sessions on node B, open already or opened after; unmute restores', async () => {
    db = await createTempDatabase();
    const env = { PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix() };
    // One settings text for both nodes: the same secrets, as a cluster sharing settings.toml has.
    a = await startNode({ env, settings: testSettings(NO_RATE_LIMITS) });
    b = await startNode({ env, settings: testSettings(NO_RATE_LIMITS) });
    const [mia, tom, una] = [unique('mia'), unique('tom'), unique('una')];
    for (const name of [tom, una]) await a.server.core.users.register({ username: name, password: PASSWORD });
    const bare = await bareLogin(a, mia);
    await givePassword(a, mia);
    // The muter's other doors on node B; the authors write through node A, the node the mute is
    // set on, so the bus carries the mute to B before their messages (one publisher, in order).
    const viewer = await viewerDoors(b, mia, [tom, una], null);
    const [t, u] = [await author(a, tom, mia), await author(a, una, mia)];
    expect((await round('n0', t, u, viewer))['connor']).toEqual([`n0 ${tom} lobby`]);

    await bare.relate('mute', tom);
    expect(await round('n1', t, u, viewer)).toEqual(nothingFrom(false));
    // A session opened on B after the mute reads it from the shared database.
    const late = await connorLobby(b, mia);
    await t.say(`n2 ${tom} lobby`);
    await u.say(`n2 ${una} lobby`);
    await eventually(() => expect(connorTexts(late)).toContain(`n2 ${una} lobby`));
    expect(connorTexts(late)).toEqual([`n2 ${una} lobby`]);

    await bare.relate('unmute', tom);
    const after = await round('n3', t, u, viewer);
    expect(after['connor']).toEqual([`n3 ${tom} lobby`]);
    expect(after['chatcli']).toEqual([`n3 ${tom} dm`]);
    expect(after['trueconf']).toEqual([`n3 ${tom} lobby`, `n3 ${tom} dm`]);
  });
});
