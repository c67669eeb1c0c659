import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BARERTC_TEST_SETTINGS, BareClient, type BareFrame } from '../conformance/barertc/barertc-client.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../helpers/start-node.js';

/**
 * BareRTC's `/reconfigure` (reference/barertc.md §6.1, §7 "Reload") on two nodes sharing
 * PostgreSQL and Redis, each with its own settings file: the operator's node reloads its file and
 * tells every node (the core's settings.reload) to reload its own. A file that does not parse
 * changes nothing, and the operator is told why.
 */

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');
const SECRET = 'reconfigure-secret-reconfigure-secret';

/** A node's settings.toml: the lobby's welcome message, optionally a `news` channel, VIP secrecy. */
const settingsText = (o: { welcome: string; news?: boolean; secretVip?: boolean }): string =>
  testSettings(
    `${NO_RATE_LIMITS}\n[barertc]\n${BARERTC_TEST_SETTINGS}` +
      `\n[[barertc.PublicChannels]]\nID = "lobby"\nName = "Lobby"\nEchoMessagesOnJoin = 0\nWelcomeMessages = ["${o.welcome}"]\n` +
      (o.news ? '\n[[barertc.PublicChannels]]\nID = "news"\nName = "News"\nEchoMessagesOnJoin = 0\nWelcomeMessages = ["Read the **news**"]\n' : '') +
      `\n[barertc.VIP]\nMutuallySecret = ${o.secretVip === true}\n` +
      `\n[barertc.JWT]\nEnabled = true\nStrict = false\nSecretKey = "${SECRET}"\n`,
  );

const welcome = (f: BareFrame) => f.action === 'error' && 'channel' in f;
const notice = (f: BareFrame) => f.action === 'error' && !('channel' in f);
const chatServer = (message: string, channel?: string) => ({ action: 'error', ...(channel ? { channel } : {}), username: 'ChatServer', message });

describe.runIf(pgAvailable && redisAvailable)('BareRTC /reconfigure on two nodes sharing PostgreSQL and Redis', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let a: TestNode;
  let b: TestNode;
  const clients: BareClient[] = [];
  const tag = uniquePrefix().slice(-6);
  const named = (name: string) => `${name}-${tag}`;

  beforeAll(async () => {
    db = await createTempDatabase();
    const env = { PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix() };
    a = await startNode({ env, settings: settingsText({ welcome: 'Hello from A, v1' }) });
    b = await startNode({ env, settings: settingsText({ welcome: 'Hello from B, v1' }) });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  const settingsFile = (node: TestNode) => path.join(node.dir, 'settings.toml');

  /** A guest on `node`, past its login sequence (the welcome messages follow). */
  const guest = async (node: TestNode, name: string): Promise<BareClient> => {
    const { client } = await BareClient.guest(node.wsUrl, named(name));
    clients.push(client);
    return client;
  };

  /** A website user (JWT) on `node`, past its own "has joined" presence. */
  const website = async (node: TestNode, name: string, claims: Record<string, unknown>): Promise<BareClient> => {
    const jwt = await new SignJWT({ sub: named(name), ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    const client = await BareClient.open(node.wsUrl);
    clients.push(client);
    client.send({ action: 'login', username: 'ignored', jwt });
    await client.next((f) => f.action === 'presence' && f['username'] === named(name) && f['message'] === 'has joined the room!');
    return client;
  };

  const reconfigure = (op: BareClient) => op.send({ action: 'message', channel: 'lobby', message: '/reconfigure' });
  const vipOf = (list: Record<string, unknown>[], name: string) => list.find((e) => e['username'] === named(name))?.['vip'];

  it('reloads every node from its own file: a later login on the other node sees the new welcome messages and channels', async () => {
    const op = await website(a, 'op', { op: true });
    await website(b, 'vip', { vip: true }); // stays online: its badge is what the watcher looks for
    const watcher = await guest(b, 'watcher');
    expect(await watcher.next(welcome)).toStrictEqual(chatServer('<p>Hello from B, v1</p>', 'lobby'));
    // Before: VIP badges are shown to everyone.
    expect(vipOf(await watcher.whoUntil((l) => vipOf(l, 'vip') !== undefined && l.some((e) => e['username'] === named('watcher'))), 'vip')).toBe(true);

    await writeFile(settingsFile(a), settingsText({ welcome: 'Hello from A, v2', news: true, secretVip: true }));
    await writeFile(settingsFile(b), settingsText({ welcome: 'Hello from B, v2', news: true, secretVip: true }));
    reconfigure(op);
    expect(await op.next(notice)).toStrictEqual(chatServer('The server config file has been reloaded successfully!'));
    // Node B has applied its own file once its who lists follow the new [VIP] MutuallySecret.
    await watcher.whoUntil((l) => l.some((e) => e['username'] === named('vip')) && vipOf(l, 'vip') === undefined, 10_000);

    const late = await guest(b, 'late');
    expect(await late.next(welcome)).toStrictEqual(chatServer('<p>Hello from B, v2</p>', 'lobby'));
    expect(await late.next(welcome)).toStrictEqual(chatServer('<p>Read the <strong>news</strong></p>', 'news'));
    // The new channel takes lines on node B, and node A has its own new settings.
    late.send({ action: 'message', channel: 'news', message: 'extra, extra' });
    expect(await late.next((f) => f.action === 'message')).toStrictEqual({ action: 'message', channel: 'news', username: named('late'), message: '<p>extra, extra</p>', msgID: expect.any(Number) });
    const onA = await guest(a, 'on-a');
    expect(await onA.next(welcome)).toStrictEqual(chatServer('<p>Hello from A, v2</p>', 'lobby'));
    expect(await onA.next(welcome)).toStrictEqual(chatServer('<p>Read the <strong>news</strong></p>', 'news'));
  });

  it('keeps the settings in force when the file does not parse, and tells the operator why', async () => {
    const op = await website(a, 'op2', { op: true });
    await writeFile(settingsFile(a), 'AdminAPIKey = "00000000-0000-4000-8000-000000000000"\n[barertc\nWelcome = \n');
    reconfigure(op);
    const bad = await op.next(notice);
    expect(bad['message']).toMatch(new RegExp(`^Error reloading the server config: ${settingsFile(a).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read settings: `));

    // A file that parses but has a refused value: the key and the reason.
    await writeFile(settingsFile(a), `${settingsText({ welcome: 'never shown' })}\n[barertc.DMLinkSpamProtection]\nMaxThreads = 0\n`);
    reconfigure(op);
    expect(await op.next(notice)).toStrictEqual(chatServer(`Error reloading the server config: barertc.DMLinkSpamProtection.MaxThreads (in ${settingsFile(a)}): must be an integer between 1 and 10000, got 0`));

    const after = await guest(a, 'after-bad');
    expect(await after.next(welcome)).toStrictEqual(chatServer('<p>Hello from A, v2</p>', 'lobby'));
    expect(await after.next(welcome)).toStrictEqual(chatServer('<p>Read the <strong>news</strong></p>', 'news'));
  });
});
