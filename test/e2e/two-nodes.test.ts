import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { killChildren, makeTempDir, removeDirs, startServe, type ServeProcess } from '../helpers/cli-process.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { connect, type TestSocket } from '../helpers/ws-client.js';

/**
 * The scale-out proof with real processes (STYLE.md §7): two `parley serve` children share one
 * PostgreSQL database, one Redis channel and one settings.toml (so one connor JWT secret), each
 * on its own port and data dir.
 */

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');

/** The connor response envelope (reference/connor.md §3). */
interface Envelope<T> {
  error: { type: string; message: string } | null;
  data: T | null;
}

interface WireUser {
  id: number;
  username: string;
}

interface WireMessage {
  sender: { id: number; username: string };
  text: string;
  createTime: number;
}

describe.runIf(pgAvailable && redisAvailable)('two parley processes on one PostgreSQL and one Redis', () => {
  const dirs: string[] = [];
  const sockets: TestSocket[] = [];
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let sql: pg.Client;
  let nodeEnv: (name: string) => Record<string, string>;
  let a: ServeProcess;
  let b: ServeProcess;

  beforeAll(async () => {
    db = await createTempDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const dir = await makeTempDir('parley-two-nodes-');
    dirs.push(dir);
    // One settings.toml for every node: written once here, so all share its connor_jwt secret.
    const configPath = path.join(dir, 'settings.toml');
    loadConfig({ configPath, env: {} });
    const shared = { PARLEY_CONFIG: configPath, PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix(), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', PARLEY_LOG_LEVEL: 'info',
      // Many sign-ups from 127.0.0.1: the limits (shared by both nodes through Redis) are not what this tests.
      PARLEY_RATE_LIMITS_ENABLED: 'false' };
    nodeEnv = (name) => ({ ...shared, PARLEY_DATA_DIR: path.join(dir, name) });
    // Started together: both migrate the same empty database at once.
    [a, b] = await Promise.all([startServe(nodeEnv('a')), startServe(nodeEnv('b'))]);
  });

  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await killChildren();
    await sql?.end();
    await db?.drop();
    await removeDirs(dirs);
  });

  const post = async <T>(node: ServeProcess, route: string, body: unknown): Promise<{ status: number; body: Envelope<T> }> => {
    const res = await fetch(`${node.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Envelope<T> };
  };
  type LoginData = { token: string; user: WireUser };

  /** Register on one node; return the account's id. */
  const register = async (node: ServeProcess, username: string, secret: string): Promise<number> => {
    const res = await post<WireUser>(node, '/api/v1/users', { username, secret });
    expect(res.status).toBe(201);
    return res.body.data!.id;
  };

  const login = async (node: ServeProcess, username: string, secret: string): Promise<string> => {
    const res = await post<LoginData>(node, '/api/v1/login', { username, secret });
    expect(res.status).toBe(200);
    return res.body.data!.token;
  };

  const join = async (node: ServeProcess, room: string, token?: string): Promise<TestSocket> => {
    const socket = await connect(`${node.wsUrl}/api/v1/rooms/${encodeURIComponent(room)}/messages/ws`, token);
    sockets.push(socket);
    return socket;
  };

  /** The one message in frame n. */
  const message = async (socket: TestSocket, n: number): Promise<WireMessage> => {
    const frame = await socket.json<WireMessage[]>(n);
    expect(frame).toHaveLength(1);
    return frame[0]!;
  };

  const storedMessages = async (room: string): Promise<{ username: string; text: string }[]> => {
    const { rows } = await sql.query<{ username: string; text: string }>(
      `SELECT u.username, m.text FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN users u ON u.id = m.author_id
        WHERE c.kind = 'room' AND c.name = $1
        ORDER BY m.id`,
      [room],
    );
    return rows;
  };

  it('listens on two different free ports', () => {
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(b.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.url).not.toBe(b.url);
  });

  it('agrees on accounts: one registered on either node logs in on the other with the same id, and a taken name is taken on both', async () => {
    const aliceId = await register(a, 'alice1', 'alice-pw');
    const bobId = await register(b, 'bob1', 'bob-pw');
    const onB = await post<LoginData>(b, '/api/v1/login', { username: 'alice1', secret: 'alice-pw' });
    expect(onB.status).toBe(200);
    expect(onB.body.data?.user).toMatchObject({ id: aliceId, username: 'alice1' });
    const onA = await post<LoginData>(a, '/api/v1/login', { username: 'bob1', secret: 'bob-pw' });
    expect(onA.body.data?.user).toMatchObject({ id: bobId, username: 'bob1' });

    const again = await post(b, '/api/v1/users', { username: 'alice1', secret: 'other' });
    expect(again.status).toBe(400);
    expect(again.body.error?.type).toBe('USER_CREATE_FAILED');
    expect((await post(a, '/api/v1/login', { username: 'alice1', secret: 'wrong' })).status).toBe(401);
  });

  it('delivers a message posted on either node to sockets on both, and both nodes store the same history in PostgreSQL', async () => {
    const room = `lobby-${uniquePrefix()}`;
    await register(a, 'alice2', 'alice-pw');
    await register(b, 'bob2', 'bob-pw');
    // Tokens cross nodes: alice logs in on B but connects to A; bob the other way round.
    const alice = await join(a, room, await login(b, 'alice2', 'alice-pw'));
    const bob = await join(b, room, await login(a, 'bob2', 'bob-pw'));
    const listener = await join(b, room); // anonymous, read-only

    alice.send(JSON.stringify({ text: 'hello from A' }));
    for (const s of [alice, bob, listener]) expect(await message(s, 0)).toMatchObject({ sender: { username: 'alice2' }, text: 'hello from A' });

    bob.send(JSON.stringify({ text: 'hello from B' }));
    for (const s of [alice, bob, listener]) expect(await message(s, 1)).toMatchObject({ sender: { username: 'bob2' }, text: 'hello from B' });

    // Every client saw the same frames in the same order.
    expect(bob.received).toEqual(alice.received);
    expect(listener.received).toEqual(alice.received);
    expect(await storedMessages(room)).toEqual([
      { username: 'alice2', text: 'hello from A' },
      { username: 'bob2', text: 'hello from B' },
    ]);
  });

  it('keeps acknowledged messages and keeps serving on the other node after a node is killed with SIGKILL', async () => {
    // The victim is a third process on the same database, bus and secret, so the shared nodes stay up.
    const victim = await startServe(nodeEnv('victim'));
    const room = `crash-${uniquePrefix()}`;
    await register(victim, 'alice3', 'alice-pw');
    const alice = await join(victim, room, await login(victim, 'alice3', 'alice-pw'));
    await register(b, 'bob3', 'bob-pw');
    const bob = await join(b, room, await login(b, 'bob3', 'bob-pw'));

    alice.send(JSON.stringify({ text: 'before the crash' }));
    // Acknowledged: the broadcast reached the other node, which happens only after the commit.
    expect(await message(bob, 0)).toMatchObject({ sender: { username: 'alice3' }, text: 'before the crash' });

    expect(await victim.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await alice.closed).code).toBe(1006); // no close frame: the process just vanished

    expect(await storedMessages(room)).toEqual([{ username: 'alice3', text: 'before the crash' }]);

    // Node B still serves logins, new connections and broadcasts, including to bob's old socket.
    const aliceAgain = await join(b, room, await login(b, 'alice3', 'alice-pw'));
    aliceAgain.send(JSON.stringify({ text: 'after the crash' }));
    expect(await message(aliceAgain, 0)).toMatchObject({ sender: { username: 'alice3' }, text: 'after the crash' });
    expect(await message(bob, 1)).toMatchObject({ sender: { username: 'alice3' }, text: 'after the crash' });
    expect(await storedMessages(room)).toEqual([
      { username: 'alice3', text: 'before the crash' },
      { username: 'alice3', text: 'after the crash' },
    ]);
  });
});
