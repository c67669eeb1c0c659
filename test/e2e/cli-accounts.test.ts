import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, makeTempDir, removeDirs, runCli, startServe, type ServeProcess } from '../helpers/cli-process.js';
import { connect, TestSocket } from '../helpers/ws-client.js';

/**
 * `parley user enable | passwd | delete` against a running `parley serve` (separate processes on
 * one SQLite database, as an operator runs them), checked through a real protocol: connor's HTTP
 * login, its history route and its room WebSocket. The CLI reaches the server's live sessions
 * through the database's access-event feed, which the server polls every second.
 */

const dirs: string[] = [];
const nodes: ServeProcess[] = [];

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
  await killChildren();
  await removeDirs(dirs);
});

/** A fresh temp dir, its PARLEY_* environment and `parley serve` running on it. */
async function serving(): Promise<{ env: Record<string, string>; node: ServeProcess }> {
  const dir = await makeTempDir();
  dirs.push(dir);
  const env = { PARLEY_CONFIG: path.join(dir, 'settings.toml'), PARLEY_DATA_DIR: path.join(dir, 'data'), PARLEY_LOG_LEVEL: 'warn' };
  const node = await startServe({ ...env, PARLEY_LOG_LEVEL: 'info', PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0' }, { timeoutMs: 60_000 });
  nodes.push(node);
  return { env, node };
}

/** `parley <args>` must succeed; resolves to its stdout. */
async function cli(env: Record<string, string>, args: string[], input?: string): Promise<string> {
  const result = await runCli(args, { env, ...(input === undefined ? {} : { input }) });
  expect(result, `parley ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

/** connor's login (§5): the status, and the JWT when it worked. */
async function login(node: ServeProcess, username: string, secret: string): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${node.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, secret }) });
  const body = (await res.json()) as { data: { token: string } | null };
  return { status: res.status, ...(body.data ? { token: body.data.token } : {}) };
}

/** A connor room socket as `token`'s user. */
const roomSocket = (node: ServeProcess, room: string, token: string): Promise<TestSocket> => connect(`${node.wsUrl}/api/v1/rooms/${room}/ws`, token);

/** Post `text` through the socket and wait for its own broadcast (frame `n`). */
async function post(socket: TestSocket, text: string, n: number): Promise<void> {
  socket.send(JSON.stringify({ text }));
  expect(await socket.json(n)).toEqual([expect.objectContaining({ text })]);
}

/** The room's history as connor serves it: [sender name, text] per message, oldest first. */
async function history(node: ServeProcess, room: string): Promise<[string, string][]> {
  const { data } = (await (await fetch(`${node.url}/api/v1/rooms/${room}`)).json()) as { data: { id: number } };
  const page = (await (await fetch(`${node.url}/api/v1/messages?room_id=${data.id}`)).json()) as { data: { sender: { username: string }; text: string }[] };
  return page.data.map((m) => [m.sender.username, m.text]);
}

/** Resolves when the server closes the socket; fails after `ms`. */
async function closedWithin(socket: TestSocket, ms: number): Promise<{ code: number }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms)));
  try {
    return await Promise.race([socket.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each test runs a server and several CLI processes, each loading the whole program. */
const SLOW = 180_000;

describe.concurrent('parley user enable / passwd / delete with a server running', () => {
  it('enable after disable lets the user log in again', async () => {
    const { env, node } = await serving();
    await cli(env, ['user', 'create', 'alice', '--password-stdin'], 'alice-pw\n');
    expect((await login(node, 'alice', 'alice-pw')).status).toBe(200);
    await cli(env, ['user', 'disable', 'alice']);
    expect((await login(node, 'alice', 'alice-pw')).status).toBe(403);
    expect(await cli(env, ['user', 'enable', 'ALICE'])).toMatch(/^enabled user \d+ alice\n$/);
    expect((await login(node, 'alice', 'alice-pw')).status).toBe(200);
    expect(await cli(env, ['user', 'list'])).toMatch(/^\d+\talice\n$/);
  }, SLOW);

  it('passwd refuses the old password, an old token and ends a live session; the new password works', async () => {
    const { env, node } = await serving();
    await cli(env, ['user', 'create', 'bob', '--password-stdin'], 'old-pw\n');
    const { token } = await login(node, 'bob', 'old-pw');
    const live = await roomSocket(node, 'lobby', token!);
    await post(live, 'before', 0);

    expect(await cli(env, ['user', 'passwd', 'bob', '--password-stdin'], 'new-pw\n')).toMatch(/^changed the password of user \d+ bob\n$/);
    expect((await login(node, 'bob', 'old-pw')).status).toBe(401);
    const fresh = await login(node, 'bob', 'new-pw');
    expect(fresh.status).toBe(200);
    await closedWithin(live, 10_000);
    await expect(roomSocket(node, 'lobby', token!)).rejects.toMatchObject({ status: 400 }); // INVALID_AUTH_TOKEN
    (await roomSocket(node, 'lobby', fresh.token!)).close();

    // Without --password-stdin a random password is printed, and it is the one that works.
    const printed = await cli(env, ['user', 'passwd', 'bob']);
    const generated = /^changed the password of user \d+ bob to (\S{12,})\n$/.exec(printed)?.[1];
    expect(generated).toBeDefined();
    expect((await login(node, 'bob', 'new-pw')).status).toBe(401);
    expect((await login(node, 'bob', generated!)).status).toBe(200);
  }, SLOW);

  it.each(['keep', 'delete'] as const)('delete --messages %s: the user cannot log in, history still reads, the name is free', async (messages) => {
    const { env, node } = await serving();
    await cli(env, ['user', 'create', 'carol', '--password-stdin'], 'carol-pw\n');
    await cli(env, ['user', 'create', 'dave', '--password-stdin'], 'dave-pw\n');
    const carol = await roomSocket(node, 'lobby', (await login(node, 'carol', 'carol-pw')).token!);
    await post(carol, 'hello from carol', 0);
    const dave = await roomSocket(node, 'lobby', (await login(node, 'dave', 'dave-pw')).token!);
    await post(dave, 'hi from dave', 0);

    const out = await cli(env, ['user', 'delete', 'carol', '--messages', messages, '--yes']);
    const id = /^deleted user (\d+) carol /.exec(out)?.[1];
    expect(out).toBe(messages === 'keep' ? `deleted user ${id} carol (its messages are kept under deleted~${id})\n` : `deleted user ${id} carol and 1 message\n`);

    await closedWithin(carol, 10_000);
    expect((await login(node, 'carol', 'carol-pw')).status).toBe(400); // USER_NOT_FOUND
    // Another user's history read still works, with the deleted author shown as its tombstone.
    expect(await history(node, 'lobby')).toEqual([
      ...(messages === 'keep' ? [[`deleted~${id}`, 'hello from carol']] : []),
      ['dave', 'hi from dave'],
    ]);
    // dave's live socket is untouched and still hears the room.
    await post(dave, 'still here', 1);
    // The name is free at once: a new account takes it, with none of the old one's messages.
    const signUp = await fetch(`${node.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', secret: 'new-carol' }) });
    expect(signUp.status).toBe(201);
    expect(((await signUp.json()) as { data: { id: number } }).data.id).not.toBe(Number(id));
    expect(await cli(env, ['user', 'list'])).not.toContain('deleted~');
    // The tombstone is nobody's to change.
    const again = await runCli(['user', 'enable', `deleted~${id}`], { env });
    expect(again).toMatchObject({ code: 1, stderr: `parley user enable: no such user: deleted~${id}\n` });
    dave.close();
  }, SLOW);
});
