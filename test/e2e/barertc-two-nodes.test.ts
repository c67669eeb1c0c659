import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { action, BARERTC_TEST_SETTINGS, BareClient, type BareFrame } from '../conformance/barertc/barertc-client.js';
import { fetchToken, TrueConfBot } from '../conformance/trueconf/client.js';
import { killChildren, makeTempDir, removeDirs, startServe, type ServeProcess } from '../helpers/cli-process.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';

/**
 * BareRTC scaled out (issue 10, DESIGN.md "Scale-out"): `parley serve` processes on one
 * PostgreSQL database and one Redis channel show every BareRTC user the same who list, carry DMs
 * from a user on one node to a user on another, and lose no DM that was echoed to its sender when
 * the sender's node is killed with SIGKILL.
 */

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');

describe.runIf(pgAvailable && redisAvailable)('BareRTC on two parley processes sharing PostgreSQL and Redis', () => {
  const dirs: string[] = [];
  const clients: BareClient[] = [];
  const bots: TrueConfBot[] = [];
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let sql: pg.Client;
  let nodeEnv: (name: string) => Record<string, string>;
  let a: ServeProcess;
  let b: ServeProcess;
  // Every name of this file is unique in its fresh database; the suffix keeps them apart from other runs' logs.
  const tag = uniquePrefix().slice(-6);

  beforeAll(async () => {
    db = await createTempDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const dir = await makeTempDir('parley-barertc-two-nodes-');
    dirs.push(dir);
    // One settings.toml for every node (the same secrets and [barertc] section), as a cluster has.
    const configPath = path.join(dir, 'settings.toml');
    loadConfig({ configPath, env: {} });
    await appendFile(configPath, BARERTC_TEST_SETTINGS); // no warm-ups, DM history on
    const shared = { PARLEY_CONFIG: configPath, PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix(), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', PARLEY_LOG_LEVEL: 'info' };
    nodeEnv = (name) => ({ ...shared, PARLEY_DATA_DIR: path.join(dir, name) });
    [a, b] = await Promise.all([startServe(nodeEnv('a')), startServe(nodeEnv('b'))]);
  });

  afterAll(async () => {
    for (const c of clients) c.socket.ws.terminate();
    await Promise.all(bots.map((bot) => bot.close().catch(() => undefined)));
    await killChildren();
    await sql?.end();
    await db?.drop();
    await removeDirs(dirs);
  });

  /** A guest on `node`, past its login sequence; resolves with the client and the name it got. */
  const guest = async (node: ServeProcess, name: string): Promise<{ client: BareClient; name: string }> => {
    const { client, me } = await BareClient.guest(node.wsUrl, `${name}-${tag}`);
    clients.push(client);
    expect(me).toStrictEqual({ action: 'me', username: `${name}-${tag}`, video: 0 });
    return { client, name: `${name}-${tag}` };
  };

  /** A local account made through connor's POST /api/v1/users on `node` (reference/connor.md §5). */
  const register = async (node: ServeProcess, username: string, secret: string): Promise<void> => {
    const res = await fetch(`${node.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, secret }) });
    expect(res.status).toBe(201);
  };

  /** A TrueConf bot for a local account, connected to `node` with a token fetched from it. */
  const bot = async (node: ServeProcess, username: string, secret: string): Promise<TrueConfBot> => {
    const connected = await TrueConfBot.connect(node.wsUrl, (await fetchToken(node.url, username, secret)).access_token);
    bots.push(connected);
    return connected;
  };

  const names = (list: Record<string, unknown>[]) => list.map((e) => e['username']);
  const fromUser = (username: string) => (f: BareFrame) => f.action === 'message' && f['username'] === username;

  it('shows users on either node the same who list, in the same order with the same fields, and follows a change made on the other node', async () => {
    const amy = await guest(a, 'amy');
    const ben = await guest(b, 'ben');
    const cal = await guest(a, 'cal');
    const everyone = [amy.name, ben.name, cal.name];
    const complete = (list: Record<string, unknown>[]) => everyone.every((n) => names(list).includes(n));
    // Cal logs in last: the lists of its own login sequence (read past by guest()) may be complete already.
    const latestWho = (c: BareClient) => c.all().filter(action('who')).at(-1)?.['whoList'] as Record<string, unknown>[] | undefined;
    const settled = (c: BareClient) => {
      const seen = latestWho(c);
      return seen !== undefined && complete(seen) ? seen : c.whoUntil(complete);
    };
    const lists = await Promise.all([amy, ben, cal].map((u) => settled(u.client)));
    // §4.4: sorted by username; every entry exactly {username, status, video, loginAt, op} for a fresh guest.
    expect(names(lists[0]!)).toEqual([...everyone].sort());
    for (const entry of lists[0]!) expect(entry).toStrictEqual({ username: entry['username'], status: 'online', video: 0, loginAt: expect.any(Number), op: false });
    expect(lists[1]).toStrictEqual(lists[0]);
    expect(lists[2]).toStrictEqual(lists[0]);

    // A camera and status set through node B show in the lists built on node A, and on B itself.
    ben.client.send({ action: 'me', video: 1, status: 'away' });
    const withCamera = (list: Record<string, unknown>[]) => list.some((e) => e['username'] === ben.name && e['video'] === 1);
    const [forAmy, forBen] = await Promise.all([amy.client.whoUntil(withCamera), ben.client.whoUntil(withCamera)]);
    expect(forAmy.find((e) => e['username'] === ben.name)).toStrictEqual({ ...lists[0]!.find((e) => e['username'] === ben.name), status: 'away', video: 1 });
    expect(forBen).toStrictEqual(forAmy);

    // Leaving through node A is announced on node B, and the lists agree again.
    await cal.client.close();
    // Presence lines about others come in batches, so not ordered with who lists: read for both.
    const gone = (list: Record<string, unknown>[]) => !names(list).includes(cal.name) && withCamera(list);
    const isGone = (f: Record<string, unknown>) => f['action'] === 'who' && gone(f['whoList'] as Record<string, unknown>[]);
    const [exited, benWho] = await ben.client.eachOf([(f) => f.action === 'presence' && f['username'] === cal.name && f['message'] !== 'has joined the room!', isGone]);
    expect(exited).toStrictEqual({ action: 'presence', username: cal.name, message: 'has exited the room!' });
    const amyAfter = await amy.client.whoUntil(gone);
    const benAfter = benWho!['whoList'] as Record<string, unknown>[];
    expect(names(benAfter)).toEqual([amy.name, ben.name]);
    expect(amyAfter).toStrictEqual(benAfter);
    await Promise.all([amy.client.close(), ben.client.close()]);
  });

  it('delivers a DM from a user on node A to a user on node B and back, with one msgID per message (§4.7)', async () => {
    const dee = await guest(a, 'dee');
    const eli = await guest(b, 'eli');
    // Node B knows dee is online: a who list saying so, maybe already read within eli's login sequence.
    const knowsDee = (l: Record<string, unknown>[]) => names(l).includes(dee.name);
    if (!eli.client.all().some((f) => f.action === 'who' && knowsDee(f['whoList'] as Record<string, unknown>[]))) await eli.client.whoUntil(knowsDee);

    dee.client.send({ action: 'message', channel: `@${eli.name}`, message: 'across the cluster' });
    const sent = await dee.client.next(fromUser(dee.name));
    expect(sent).toStrictEqual({ action: 'message', channel: `@${eli.name}`, username: dee.name, message: '<p>across the cluster</p>', msgID: expect.any(Number) });
    expect(await eli.client.next(fromUser(dee.name))).toStrictEqual({ action: 'message', channel: `@${dee.name}`, username: dee.name, message: '<p>across the cluster</p>', msgID: sent['msgID'] });

    eli.client.send({ action: 'message', channel: `@${dee.name}`, message: 'and back again' });
    const reply = await eli.client.next(fromUser(eli.name));
    expect(reply).toStrictEqual({ action: 'message', channel: `@${dee.name}`, username: eli.name, message: '<p>and back again</p>', msgID: expect.any(Number) });
    expect(reply['msgID']).toBeGreaterThan(sent['msgID'] as number);
    expect(await dee.client.next(fromUser(eli.name))).toStrictEqual({ action: 'message', channel: `@${eli.name}`, username: eli.name, message: '<p>and back again</p>', msgID: reply['msgID'] });

    // Neither side got a second copy, nor a ChatServer notice other than the channels' welcome messages.
    for (const c of [dee.client, eli.client]) {
      expect(c.all().filter((f) => f.action === 'message').map((f) => f['msgID'])).toEqual([sent['msgID'], reply['msgID']]);
      expect(c.all().filter((f) => f.action === 'error' && f['channel'] === undefined)).toEqual([]);
    }
    await Promise.all([dee.client.close(), eli.client.close()]);
  });

  it('keeps a DM that was echoed to its sender when the sender\'s node is killed with SIGKILL; the other node still has it in the history', async () => {
    // The victim is a third process on the same database, bus and settings, so the shared nodes stay up.
    const victim = await startServe(nodeEnv('victim'));
    const botName = `tcbot-${tag}`;
    await register(b, botName, 'bot-secret-1');
    const reader = await bot(b, botName, 'bot-secret-1'); // online on node B: BareRTC delivers DMs only to online users
    const fay = await guest(victim, 'fay');

    fay.client.send({ action: 'message', channel: `@${botName}`, message: 'last words' });
    const echoed = await fay.client.next(action('message'));
    expect(echoed).toStrictEqual({ action: 'message', channel: `@${botName}`, username: fay.name, message: '<p>last words</p>', msgID: expect.any(Number) });
    // The echo is the acknowledgement: killed right after it, with no chance to flush anything.
    expect(await victim.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await fay.client.socket.closed).code).toBe(1006); // no close frame: the process just vanished

    // The bot on node B got it too (reference/trueconf.md §4), from the guest's TrueConf id.
    const fayId = `${fay.name}@${reader.meId.split('@')[1]!}`;
    const delivered = await reader.nextEvent('sendMessage');
    expect(delivered.payload).toMatchObject({ messageId: String(echoed['msgID']), author: { id: fayId, type: 1 }, type: 200, content: { text: 'last words', parseMode: 'markdown' }, isEdited: false });

    // Read back on node B, by a connection opened after the crash.
    const later = await bot(b, botName, 'bot-secret-1');
    const history = await later.request('getChatHistory', { chatId: delivered.payload.chatId, count: 10, fromMessageId: null });
    expect((history.messages ?? []).map((m) => ({ messageId: m.messageId, author: m.author.id, text: m.content['text'] }))).toEqual([
      { messageId: String(echoed['msgID']), author: fayId, text: 'last words' },
    ]);
    const { rows } = await sql.query<{ id: string; text: string }>('SELECT id, text FROM messages WHERE id = $1', [echoed['msgID']]);
    expect(rows.map((r) => ({ id: Number(r.id), text: r.text }))).toEqual([{ id: echoed['msgID'], text: 'last words' }]);
  });
});
