import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';
import { connect, TestSocket } from '../../helpers/ws-client.js';

// Issue 9: what chat.connor.fun's own React page does, replayed request by request against a
// real node — the build from the day after the pinned commit (f8ae36f) and the last build.
let node: TestNode;
beforeAll(async () => {
  node = await startNode();
});
afterAll(() => node.stop());

interface Answer<T = unknown> { status: number; contentType: string | null; body: { error: { type: string; message: string } | null; data: T } }
interface WireMessage { id: number; sender: { id: number; username: string }; text: string; createTime: number }

async function call<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<Answer<T>> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${node.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as Answer<T>['body'] };
}

/** The pinned page's submit handler: register() and login() fire in the same tick (RegisterForm at f8ae36f). */
async function pageSignUp(username: string, password: string) {
  const register = call('POST', '/api/v1/users', { username, secret: password });
  const login = call<{ token: string; user: { id: number; username: string; roles?: { name: string }[] } }>('POST', '/api/v1/login', { username, secret: password });
  return { register: await register, login: await login };
}

async function loginToken(username: string): Promise<string> {
  const { register, login } = await pageSignUp(username, 'pw');
  expect(register.status).toBe(201);
  return login.body.data.token;
}

/** Frames until (and including) the one whose text is `text`. */
async function until(socket: TestSocket, text: string): Promise<WireMessage[]> {
  const seen: WireMessage[] = [];
  for (let i = 0; ; i++) {
    const [message] = await socket.json<WireMessage[]>(i);
    seen.push(message!);
    if (message!.text === text) return seen;
  }
}

describe('sign-up through the page (login sent while the sign-up is in flight)', () => {
  it('answers the early login as if it had come after the account was made', async () => {
    for (const username of ['page-one', 'page-two', 'Page-Three', 'page-four', 'page-five']) {
      const { register, login } = await pageSignUp(username, 'hunter22');
      expect(register.status).toBe(201);
      expect(login.status).toBe(200);
      expect(login.body.error).toBeNull();
      expect(login.body.data.user).toMatchObject({ id: (register.body.data as { id: number }).id, username });
      // The page then opens its room socket with that token.
      const socket = await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`, login.body.data.token);
      expect(socket.ws.protocol).toBe(login.body.data.token);
      socket.close();
    }
  });

  it('still refuses a wrong password and an account that was never made', async () => {
    const wrong = call('POST', '/api/v1/users', { username: 'racer', secret: 'right' });
    const early = call('POST', '/api/v1/login', { username: 'racer', secret: 'wrong' });
    expect((await wrong).status).toBe(201);
    expect((await early).status).toBe(401);
    expect((await early).body.error?.type).toBe('PASSWORD_MATCH_FAILED');
    // A sign-up that is refused (empty password is BAD_BINDING before any work) leaves USER_NOT_FOUND.
    const { register, login } = await pageSignUp('never-made', '');
    expect(register.status).toBe(400);
    expect(login.status).toBe(400);
  });
});

describe('the last page: the later API beside the pinned one', () => {
  it('answers the login with the roles the page unlocks its views with', async () => {
    const { login } = await pageSignUp('roles-reader', 'pw');
    expect(login.status).toBe(200);
    const roles = login.body.data.user.roles?.map((r) => r.name);
    expect(roles).toContain('normalUser');
    expect(roles).not.toContain('unverifiedUser');
  });

  it('chats over /api/v1/rooms/<room>/ws and serves the room and its history the way the page reads them', async () => {
    const alice = await loginToken('later-alice');
    const bob = await loginToken('later-bob');
    // Chat.joinRoom: GET the room, then open the socket at the later path with the JWT as subprotocol.
    const a = await connect(`${node.wsUrl}/api/v1/rooms/later/ws`, alice);
    expect(a.ws.protocol).toBe(alice);
    const b = await connect(`${node.wsUrl}/api/v1/rooms/later/ws`, bob);
    const listener = await connect(`${node.wsUrl}/api/v1/rooms/later/ws`); // anonymous, read-only
    const pinned = await connect(`${node.wsUrl}/api/v1/rooms/later/messages/ws`, bob); // the pinned path, same room
    for (const text of ['one', 'two', 'three']) a.send(JSON.stringify({ text }));
    await until(b, 'three'); // one writer's posts keep their order; two writers' would interleave
    b.send(JSON.stringify({ text: 'four' }));
    const live = await until(listener, 'four');
    expect(live.map((m) => m.text)).toEqual(['one', 'two', 'three', 'four']);
    expect((await until(pinned, 'four')).map((m) => m.id)).toEqual(live.map((m) => m.id));
    for (const m of live) expect(m).toEqual({ id: expect.any(Number), sender: { id: expect.any(Number), username: m.text === 'four' ? 'later-bob' : 'later-alice' }, text: m.text, createTime: expect.any(Number) });

    const room = await call<{ id: number; name: string; members: { id: number; username: string }[] }>('GET', '/api/v1/rooms/later');
    expect(room.status).toBe(200);
    expect(room.contentType).toBe('application/json; charset=UTF-8');
    expect(room.body.error).toBeNull();
    expect(room.body.data).toMatchObject({ id: expect.any(Number), name: 'later' });
    expect(room.body.data.members.map((m) => m.username).sort()).toEqual(['later-alice', 'later-bob']);

    // roomStore.fetchMessages(50), then fetchMessages(count) with fewer: the newest `count`, sortable by createTime.
    const all = await call<WireMessage[]>('GET', `/api/v1/messages?room_id=${room.body.data.id}&count=50`);
    expect(all.status).toBe(200);
    expect(all.body.data).toEqual(live);
    const newest = await call<WireMessage[]>('GET', `/api/v1/messages?room_id=${room.body.data.id}&count=2`);
    expect(newest.body.data.map((m) => m.text)).toEqual(['three', 'four']);
    // Without count, every message (as the original); with a token, the same.
    expect((await call<WireMessage[]>('GET', `/api/v1/messages?room_id=${room.body.data.id}`, undefined, alice)).body.data).toEqual(live);

    // Another writer's socket on the later path reaches the pinned path and back.
    pinned.send(JSON.stringify({ text: 'five' }));
    expect((await until(a, 'five')).at(-1)).toMatchObject({ sender: { username: 'later-bob' }, text: 'five' });
    // A listener who sends is dropped, as on the pinned path.
    listener.send(JSON.stringify({ text: 'nope' }));
    await listener.closed;
    for (const s of [a, b, pinned]) s.close();
  });

  it('answers an unknown room 404 ROOM_DNE and bad history queries in the envelope', async () => {
    const missing = await call('GET', '/api/v1/rooms/nobody-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { type: 'ROOM_DNE' }, data: null });
    expect((await call('GET', '/api/v1/messages')).body).toMatchObject({ error: { type: 'NO_QUERY' }, data: null });
    const bad = await call('GET', '/api/v1/messages?room_id=not-a-number');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.type).toBe('BAD_QUERY');
  });

  it('never shows a group or direct conversation through the room history route', async () => {
    const core = node.server.core;
    const owner = await core.users.register({ username: 'secretive-owner', password: 'pw' });
    const me = await core.users.principalFor(owner.id);
    const group = await core.conversations.createGroup(me, 'private plans', []);
    await core.messages.send(me, { conversationId: group.id, text: 'the secret plan' });
    const token = await loginToken('curious');
    for (const t of [undefined, token]) {
      const answer = await call<WireMessage[]>('GET', `/api/v1/messages?room_id=${group.id}&count=50`, undefined, t);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual([]);
    }
    expect((await call('GET', `/api/v1/rooms/${encodeURIComponent('private plans')}`)).status).toBe(404);
  });

  it('refuses the history of a room to a reader banned from it, and a revoked token on every route', async () => {
    const core = node.server.core;
    const token = await loginToken('troublemaker');
    const s = await connect(`${node.wsUrl}/api/v1/rooms/strict/ws`, token);
    s.send(JSON.stringify({ text: 'hello' }));
    await s.frame(0);
    const room = await core.conversations.findRoom('strict');
    const user = await core.users.findByUsername('troublemaker');
    await core.moderation.ban(null, user!.id, room!.id, 'spam', null);
    const refused = await call('GET', `/api/v1/messages?room_id=${room!.id}`, undefined, token);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.type).toBe('BANNED');
    await core.tokens.revokeAll(user!.id, 'sessions');
    const revoked = await call('GET', '/api/v1/rooms/strict', undefined, token);
    expect(revoked.status).toBe(400);
    expect(revoked.body.error?.type).toBe('INVALID_AUTH_TOKEN');
    await s.closed;
  });
});

describe('unknown /api paths', () => {
  it('answer in the envelope with JSON, over plain HTTP and on an upgrade', async () => {
    const plain = await call('GET', '/api/v1/nothing');
    expect(plain.status).toBe(404);
    expect(plain.contentType).toBe('application/json; charset=UTF-8');
    expect(plain.body).toMatchObject({ error: { type: 'NOT_FOUND', message: 'Not Found' }, data: null });
    const upgrade = new TestSocket(`${node.wsUrl}/api/v1/nothing/ws`);
    const failure = (await upgrade.opened.catch((e: unknown) => e)) as { status: number; body: string; headers: Record<string, string> };
    expect(failure.status).toBe(404);
    expect(failure.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(failure.body)).toMatchObject({ error: { type: 'NOT_FOUND', message: 'Not Found' }, data: null });
    const wrongMethod = await call('GET', '/api/v1/login');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body).toMatchObject({ error: { type: 'METHOD_NOT_ALLOWED' }, data: null });
  });
});
