import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, runCli } from '../helpers/cli-process.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../helpers/start-node.js';
import { eventually } from '../helpers/wait.js';
import { connect, TestSocket } from '../helpers/ws-client.js';

// Issue 8, defects 2, 7 and 10, through real sockets: a CLI command reaches live sessions of a
// running node on SQLite; anonymous listeners create nothing; silent sockets are closed.
const PASSWORD = 'Passw0rd!';
const SETTINGS = testSettings(`${NO_RATE_LIMITS}\n[gateway]\naccess_poll_ms = 100\nauth_timeout_ms = 400\n`);

let node: TestNode;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  node = await startNode({ settings: SETTINGS });
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await killChildren();
});
afterAll(() => node.stop());

const track = (s: TestSocket) => (sockets.push(s), s);
const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

/** One account, logged in on all three doors, each with an open, authenticated socket. */
async function everyDoor(username: string) {
  await node.server.core.users.register({ username, password: PASSWORD });
  const connorToken = ((await post(`${node.url}/api/v1/login`, { username, secret: PASSWORD })).json['data'] as { token: string }).token;
  const connor = track(await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, connorToken));
  const trueconfToken = (await post(`${node.url}/bridge/api/client/v1/oauth/token`, { client_id: 'chat_bot', grant_type: 'password', username, password: PASSWORD })).json['access_token'] as string;
  const trueconf = track(await connect(`${node.wsUrl}/websocket/chat_bot/`));
  trueconf.send(JSON.stringify({ type: 1, id: 1, method: 'auth', payload: { token: trueconfToken, tokenType: 'JWT' } }));
  expect(JSON.parse(await trueconf.frame(0))).toMatchObject({ type: 2, id: 1, payload: { userId: expect.any(String) } });
  const chatcliToken = (await post(`${node.url}/user/login`, { username, password: PASSWORD })).json['access_token'] as string;
  const chatcli = track(await connect(`${node.server.chatcliUrl}/ws`));
  chatcli.send(JSON.stringify({ type: 'auth', token: chatcliToken }));
  expect(JSON.parse(await chatcli.frame(0))).toEqual({ type: 'auth_ack', status: 'ok' });
  return { connor, trueconf, chatcli, connorToken, trueconfToken, chatcliToken };
}

const cliEnv = () => ({ PARLEY_CONFIG: path.join(node.dir, 'settings.toml'), PARLEY_DATA_DIR: path.join(node.dir, 'data') });

describe('defect 2: parley user disable (another process, SQLite)', () => {
  it("closes the account's open sockets on every door of the running node, and its tokens stop working", async () => {
    const doors = await everyDoor('dora');
    const result = await runCli(['user', 'disable', 'dora'], { env: cliEnv() });
    expect(result.code).toBe(0);
    for (const s of [doors.connor, doors.trueconf, doors.chatcli]) expect(await s.closed).toMatchObject({ code: 1008 });
    const again = new TestSocket(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, doors.connorToken);
    await expect(again.opened).rejects.toMatchObject({ status: 403 });
    const chats = await post(`${node.url}/chat/fetch-chats`, { session_token: doors.chatcliToken });
    expect(chats.status).toBe(401);
  });

  it('parley user revoke ends every session on every door, and a new login works', async () => {
    const doors = await everyDoor('rhea');
    expect((await runCli(['user', 'revoke', 'rhea'], { env: cliEnv() })).code).toBe(0);
    for (const s of [doors.connor, doors.trueconf, doors.chatcli]) expect(await s.closed).toMatchObject({ code: 1008 });
    const old = new TestSocket(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, doors.connorToken);
    await expect(old.opened).rejects.toMatchObject({ status: 400 });
    const fresh = await everyDoor('rhea2');
    expect(fresh.connor.ws.readyState).toBe(fresh.connor.ws.OPEN);
    const relogin = await post(`${node.url}/api/v1/login`, { username: 'rhea', secret: PASSWORD });
    const token = (relogin.json['data'] as { token: string }).token;
    track(await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, token));
  });
});

describe('defect 3: revocation reaches open sockets and signed tokens', () => {
  it('a password change through ChatCLI closes the connor, TrueConf and ChatCLI sockets and kills their tokens', async () => {
    const doors = await everyDoor('pia');
    const changed = await post(`${node.url}/user/change-password`, { session_token: doors.chatcliToken, old_password: PASSWORD, new_password: 'N3w-Passw0rd!' });
    expect(changed.status).toBe(200);
    for (const s of [doors.connor, doors.trueconf, doors.chatcli]) expect(await s.closed).toMatchObject({ code: 1008 });
    const connorAgain = new TestSocket(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, doors.connorToken);
    await expect(connorAgain.opened).rejects.toMatchObject({ status: 400 });
    const bot = track(await connect(`${node.wsUrl}/websocket/chat_bot/`));
    bot.send(JSON.stringify({ type: 1, id: 1, method: 'auth', payload: { token: doors.trueconfToken, tokenType: 'JWT' } }));
    expect(JSON.parse(await bot.frame(0))).toEqual({ type: 2, id: 1, payload: { errorCode: 203, errorDescription: 'Token revoked' } });
    expect((await post(`${node.url}/chat/fetch-chats`, { session_token: doors.chatcliToken })).status).toBe(401);
  });

  it('a replayed refresh token closes the ChatCLI sockets of that login only', async () => {
    await node.server.core.users.register({ username: 'remy', password: PASSWORD });
    const login = async () => (await post(`${node.url}/user/login`, { username: 'remy', password: PASSWORD })).json as { access_token: string; refresh_token: string };
    const stolen = await login();
    const other = await login();
    const socketFor = async (token: string) => {
      const s = track(await connect(`${node.server.chatcliUrl}/ws`));
      s.send(JSON.stringify({ type: 'auth', token }));
      await s.frame(0);
      return s;
    };
    const victim = await socketFor(stolen.access_token);
    const bystander = await socketFor(other.access_token);
    const first = (await post(`${node.url}/user/refresh-token`, { refresh_token: stolen.refresh_token })).json as { refresh_token: string };
    await post(`${node.url}/user/refresh-token`, { refresh_token: first.refresh_token });
    const replay = await post(`${node.url}/user/refresh-token`, { refresh_token: stolen.refresh_token }); // theft: the family dies
    expect(replay.status).toBe(401);
    expect(await victim.closed).toEqual({ code: 1008, reason: 'session revoked' });
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
  });
});

describe('defect 7: anonymous connor listeners', () => {
  it('create no room, and still hear the first message once a writer opens the room', async () => {
    const findRoom = (name: string) => node.server.core.conversations.findRoom(name);
    const listeners = await Promise.all(Array.from({ length: 30 }, (_, i) => connect(`${node.wsUrl}/api/v1/rooms/ghost-${i}/messages/ws`)));
    listeners.forEach(track);
    for (let i = 0; i < 30; i++) expect(await findRoom(`ghost-${i}`)).toBeNull();
    await node.server.core.users.register({ username: 'wren', password: PASSWORD });
    const token = ((await post(`${node.url}/api/v1/login`, { username: 'wren', secret: PASSWORD })).json['data'] as { token: string }).token;
    const writer = track(await connect(`${node.wsUrl}/api/v1/rooms/ghost-3/messages/ws`, token));
    writer.send(JSON.stringify({ text: 'first words' }));
    expect(JSON.parse(await listeners[3]!.frame(0))).toEqual([expect.objectContaining({ text: 'first words' })]);
    expect(await findRoom('ghost-3')).not.toBeNull();
    expect(await findRoom('ghost-4')).toBeNull();
  });
});

describe('defect 10: sockets that never authenticate', () => {
  it('are closed after the authentication deadline on ChatCLI and TrueConf; anonymous connor listeners stay', async () => {
    const chatcli = track(await connect(`${node.server.chatcliUrl}/ws`));
    const trueconf = track(await connect(`${node.wsUrl}/websocket/chat_bot/`));
    const listener = track(await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`));
    expect(await chatcli.closed).toEqual({ code: 1008, reason: 'authentication timeout' });
    expect(await trueconf.closed).toEqual({ code: 1008, reason: 'authentication timeout' });
    expect(listener.ws.readyState).toBe(listener.ws.OPEN);
    await eventually(() => expect(node.server.hub.size).toBeGreaterThanOrEqual(1));
  });

  it('keeps a socket that authenticated in time', async () => {
    const doors = await everyDoor('tess');
    const late = track(await connect(`${node.server.chatcliUrl}/ws`));
    await late.closed; // a sibling that never authenticated is closed after the deadline…
    expect(doors.chatcli.ws.readyState).toBe(doors.chatcli.ws.OPEN); // …while these stay
    expect(doors.trueconf.ws.readyState).toBe(doors.trueconf.ws.OPEN);
  });
});
