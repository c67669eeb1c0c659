import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import {
  ChatSocket, createChat, http, joinChat, openChatSocket, signUp, socketPool, startSmtpSink, type Account, type Frame, type Http, type SmtpSink,
} from './helpers.js';

// Issue 9, items 4–6: ChatCLI's own Electron client (src/client/electronapp/pages/main.renderer.js
// at e0f763f) run against Parley. Each test does what that renderer does:
// - it renders a message with `new Date(timestamp)` and toLocaleTimeString(), in the machine's zone;
// - it shows only `new_message` frames whose chatID === the open chat's id (`error` frames are
//   ignored), as `username`, `message` and `timestamp`;
// - it sends `JSON.stringify({type:'post_msg', chatID, text})` and clears its input at once;
// - it colours each chat's dot from `online` in `/chat/fetch-chats` (`({chatID, name, online})`),
//   then toggles it on `user_status` frames.
let smtp: SmtpSink;
let node: TestNode;
let api: Http;
let alice: Account;
let bob: Account;
let chatID: number;

beforeAll(async () => {
  smtp = await startSmtpSink();
  node = await startNode({ env: { PARLEY_SMTP_URL: smtp.url }, settings: testSettings('[rate_limits]\nenabled = false\n') });
  api = http(node);
  alice = await signUp(api, smtp, 'alice');
  bob = await signUp(api, smtp, 'bob');
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

/** The renderer's test for a frame it shows in the open chat. */
const shownIn = (chat: number) => (f: Frame) => f['type'] === 'new_message' && f['chatID'] === chat;
const historyOf = async (account: Account, chat: number): Promise<Frame[]> => {
  const res = await api.post('/chat/messages', { username: account.username, session_token: account.access, chatID: chat });
  expect(res.status).toBe(200);
  return (res.json as { response: Frame[] }).response;
};

/**
 * `new Date(ts).getTime()` for each timestamp, evaluated in a child process whose local zone is
 * Asia/Kathmandu (UTC+05:45, no daylight saving): a timestamp without a zone would be read as
 * Kathmandu time there, whatever the zone of the machine running the test.
 */
async function parsedAsTheClientDoes(timestamps: readonly string[]): Promise<number[]> {
  const script = 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).map((t) => new Date(t).getTime())))';
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(timestamps)], { env: { ...process.env, TZ: 'Asia/Kathmandu' } });
  return JSON.parse(stdout) as number[];
}

describe('item 4: timestamps carry their zone, so the client shows the real time', () => {
  it('new_message and /chat/messages say the instant the message was stored, in any local zone', async () => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    // Seconds resolution: the stored instant lies within these whole seconds.
    const before = Math.floor(Date.now() / 1000) * 1000;
    a.send({ type: 'post_msg', chatID, text: 'what time is it?' });
    const live = (await b.next(shownIn(chatID))).frame;
    const after = Math.ceil(Date.now() / 1000) * 1000;
    const stored = (await historyOf(bob, chatID)).find((m) => m['messageID'] === live['messageID']);
    const timestamps = [String(live['timestamp']), String(stored?.['timestamp'])];
    for (const ts of timestamps) expect(ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    for (const ms of await parsedAsTheClientDoes(timestamps)) {
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
  });
});

describe('item 5: long messages are kept up to 65,535 bytes, and a refusal is shown', () => {
  const ascii = 'a'.repeat(65_535);
  const accented = `${'é'.repeat(32_767)}!`; // 65,534 + 1 bytes of UTF-8, 32,768 UTF-16 units
  const astral = `${'😀'.repeat(16_383)}abc`; // 65,532 + 3 bytes, 32,769 UTF-16 units

  it.each([['ASCII', ascii], ['é (2-byte)', accented], ['emoji (4-byte)', astral]])('stores and delivers a 65,535-byte %s message whole', async (_label, text) => {
    expect(Buffer.byteLength(text, 'utf8')).toBe(65_535);
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    a.send({ type: 'post_msg', chatID, text }); // as the Electron renderer sends it
    const delivered = (await b.next(shownIn(chatID))).frame;
    expect(delivered).toMatchObject({ username: 'alice', chatID });
    expect(delivered['message']).toBe(text);
    expect((await a.next(shownIn(chatID))).frame['message']).toBe(text);
    const stored = (await historyOf(bob, chatID)).find((m) => m['messageID'] === delivered['messageID']);
    expect(stored?.['message']).toBe(text);
  });

  it('takes a 65,535-byte message even when a client escapes every character in its JSON frame', async () => {
    // Python's json.dumps (ensure_ascii) sends 'é' as \u00e9; a control character is \u0001 in any
    // client: six bytes of frame for each byte of text.
    const controls = '\u0001'.repeat(65_535);
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(b, chatID);
    for (const text of [accented, controls]) {
      const escaped = JSON.stringify({ type: 'post_msg', chatID, text }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      a.send(escaped);
      expect((await b.next(shownIn(chatID))).frame['message']).toBe(text);
    }
    expect(a.raw.ws.readyState).toBe(a.raw.ws.OPEN);
  });

  it.each([['ASCII', 'b'.repeat(65_536)], ['é (2-byte)', 'é'.repeat(32_768)]])('refuses a 65,536-byte %s message in a frame the client shows, and stores nothing', async (_label, text) => {
    const a = await socketFor(alice);
    const b = await socketFor(bob);
    await joinChat(a, chatID);
    await joinChat(b, chatID);
    a.send({ type: 'post_msg', chatID, text });
    // The error frame (kept for clients that read it) comes first; then the frame the renderer shows.
    expect(await a.nextOf('error')).toStrictEqual({ type: 'error', message: expect.stringMatching(/65535 bytes/) });
    const shown = (await a.next(shownIn(chatID))).frame;
    expect(shown).toMatchObject({ messageID: 0, userID: 0, username: expect.any(String) });
    expect(String(shown['message'])).toMatch(/^Your message was not sent: .*65535 bytes/);
    expect(String(shown['message']).endsWith(text)).toBe(true); // the cleared input, given back
    expect(Number.isNaN(new Date(String(shown['timestamp'])).getTime())).toBe(false);
    // Nothing reached bob, nothing was stored.
    a.send({ type: 'post_msg', chatID, text: 'short again' });
    expect((await b.next(shownIn(chatID))).frame['message']).toBe('short again');
    expect((await historyOf(bob, chatID)).some((m) => m['message'] === text)).toBe(false);
  });

  it('shows every refusal of post_msg in the open chat: not a participant, empty text', async () => {
    const carol = await signUp(api, smtp, 'carol');
    const c = await socketFor(carol);
    c.send({ type: 'post_msg', chatID, text: 'let me in' });
    expect(await c.nextOf('error')).toStrictEqual({ type: 'error', message: 'Access denied.' });
    expect((await c.next(shownIn(chatID))).frame['message']).toBe('Your message was not sent: Access denied.\n\nlet me in');
    const a = await socketFor(alice);
    a.send({ type: 'post_msg', chatID, text: '' });
    expect(await a.nextOf('error')).toStrictEqual({ type: 'error', message: 'Text is empty' });
    expect((await a.next(shownIn(chatID))).frame['message']).toBe('Your message was not sent: Text is empty');
  });
});

describe('item 6: /chat/fetch-chats says whether the other participant is online', () => {
  it('is false, true while the other one has a socket open, and false again once it closed', async () => {
    const dora = await signUp(api, smtp, 'dora');
    const erin = await signUp(api, smtp, 'erin');
    const doraChat = await createChat(api, dora, erin);
    const onlineOf = async (): Promise<unknown> => {
      const res = await api.post('/chat/fetch-chats', { session_token: dora.access });
      const chats = (res.json as { response: Frame[] }).response;
      return chats.find((c) => c['chatID'] === doraChat)?.['online'];
    };
    expect(await onlineOf()).toBe(false);
    // Dora's own socket, idle, hears erin come and go (the renderer's user_status handler).
    const d = await socketFor(dora);
    d.send({ type: 'join_idle' });
    await d.barrier();
    const e = await openChatSocket(node, erin.access); // after auth_ack, erin's session is registered
    expect(await onlineOf()).toBe(true);
    e.close();
    await d.next((f) => f['type'] === 'user_status' && f['username'] === 'erin' && f['online'] === false);
    expect(await onlineOf()).toBe(false);
  });
});
