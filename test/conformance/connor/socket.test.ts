import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toConversationId } from '../../../src/core/model/ids.js';
import { startNode, type TestNode } from '../../helpers/start-node.js';
import { connect, TestSocket } from '../../helpers/ws-client.js';

// reference/connor.md §6 and §8, with real ws clients against a node on port 0.
let node: TestNode;
let alice: string;
let bob: string;
const room = (name: string) => `${node.wsUrl}/api/v1/rooms/${name}/messages/ws`;

async function account(username: string): Promise<string> {
  await fetch(`${node.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, secret: 'pw' }) });
  const res = await fetch(`${node.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, secret: 'pw' }) });
  return ((await res.json()) as { data: { token: string } }).data.token;
}

/** A token signed with this node's secret and the original issuer, but arbitrary claims. */
const forge = (claims: Record<string, unknown>, exp = Math.floor(Date.now() / 1000) + 600) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('connor.fun-login-service').setExpirationTime(exp).sign(new TextEncoder().encode(node.config.secrets.connorJwt));
const secretKey = () => new TextEncoder().encode(node.config.secrets.connorJwt);

interface Wire { sender: { id: number; username: string }; text: string; createTime: number }

/** Send a marker from `writer` and wait until `reader` has it: everything sent before has arrived too. */
async function sync(writer: TestSocket, reader: TestSocket, marker: string): Promise<Wire[][]> {
  writer.send(JSON.stringify({ text: marker }));
  for (let i = 0; ; i++) {
    const frame = JSON.parse(await reader.frame(i)) as Wire[];
    if (frame[0]?.text === marker) return reader.received.slice(0, i + 1).map((f) => JSON.parse(f) as Wire[]);
  }
}

beforeAll(async () => {
  node = await startNode();
  alice = await account('alice');
  bob = await account('bob');
});
afterAll(() => node.stop());

describe('connor room socket', () => {
  it('broadcasts a one-element array to every member, the sender included', async () => {
    const a = await connect(room('lobby'), alice);
    const b = await connect(room('lobby'), bob);
    const before = Math.floor(Date.now() / 1000);
    a.send(JSON.stringify({ text: 'hello' }));
    for (const s of [a, b]) {
      const frame = await s.json<Wire[]>(0);
      expect(frame).toHaveLength(1);
      expect(frame[0]).toEqual({ id: expect.any(Number), sender: { id: 1, username: 'alice' }, text: 'hello', createTime: expect.any(Number) });
      expect(frame[0]!.createTime).toBeGreaterThanOrEqual(before - 1);
      expect(frame[0]!.createTime).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    }
    b.send(JSON.stringify({ text: 'hi alice' }));
    expect((await a.json<Wire[]>(1))[0]).toMatchObject({ sender: { username: 'bob' }, text: 'hi alice' });
    a.close();
    b.close();
  });

  it('echoes the token back as the selected subprotocol', async () => {
    const a = await connect(room('echo'), alice);
    expect(a.ws.protocol).toBe(alice);
    const anon = await connect(room('echo'));
    expect(anon.ws.protocol).toBe('');
    a.close();
    anon.close();
  });

  it('uses the first of several offered subprotocols as the token', async () => {
    const a = await connect(room('multi'), [alice, 'other']);
    expect(a.ws.protocol).toBe(alice);
    a.send(JSON.stringify({ text: 'x' }));
    expect((await a.json<Wire[]>(0))[0]?.sender.username).toBe('alice');
    a.close();
  });

  it('lets an anonymous listener read, and closes it without a status when it sends', async () => {
    const a = await connect(room('readonly'), alice);
    const anon = await connect(room('readonly'));
    a.send(JSON.stringify({ text: 'for everyone' }));
    expect((await anon.json<Wire[]>(0))[0]?.text).toBe('for everyone');
    anon.send(JSON.stringify({ text: 'sneaky' }));
    expect((await anon.closed).code).toBe(1005);
    const seen = await sync(a, a, 'after');
    expect(seen.map((f) => f[0]!.text)).toEqual(['for everyone', 'after']);
    a.close();
  });

  it('treats a token whose username is empty as anonymous', async () => {
    const token = await forge({ user: { id: 0, username: '' } });
    const s = await connect(room('emptyname'), token);
    expect(s.ws.protocol).toBe(token);
    s.send(JSON.stringify({ text: 'no' }));
    expect((await s.closed).code).toBe(1005);
  });

  it.each([
    ['garbage', async () => 'garbage'],
    ['a token signed with another key', async () => new SignJWT({ user: { id: 1, username: 'alice' } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-another-secret-xx'))],
    ['an expired token', async () => forge({ user: { id: 1, username: 'alice' } }, Math.floor(Date.now() / 1000) - 3600)],
    ['a token for an account that does not exist', async () => forge({ user: { id: 999, username: 'ghost' } })],
    // Issue 8, defect 12: a token that never expires, or that another issuer signed, is no login.
    ['a token without exp', async () => new SignJWT({ user: { id: 1, username: 'alice' } }).setProtectedHeader({ alg: 'HS256' }).setIssuer('connor.fun-login-service').sign(secretKey())],
    ['a token without iss', async () => new SignJWT({ user: { id: 1, username: 'alice' } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secretKey())],
    ['a token of another issuer', async () => new SignJWT({ user: { id: 1, username: 'alice' } }).setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else').setExpirationTime('1h').sign(secretKey())],
  ])('refuses the upgrade with 400 INVALID_AUTH_TOKEN for %s', async (_label, token) => {
    const s = new TestSocket(room('lobby'), await token());
    const err = (await s.opened.catch((e: unknown) => e)) as { status: number; body: string };
    expect(err.status).toBe(400);
    expect(JSON.parse(err.body)).toEqual({ error: { type: 'INVALID_AUTH_TOKEN', Type: 'INVALID_AUTH_TOKEN', message: 'Invalid Token' }, data: null });
  });

  it('refuses a disabled account with 403 BANNED', async () => {
    const token = await account('mallory');
    const mallory = await node.server.core.users.findByUsername('mallory');
    await node.server.core.users.setDisabled(mallory!.id, true);
    const err = (await new TestSocket(room('lobby'), token).opened.catch((e: unknown) => e)) as { status: number; body: string };
    expect(err.status).toBe(403);
    expect(JSON.parse(err.body).error.type).toBe('BANNED');
  });

  it.each([
    ['a JSON string', '"hello"'],
    ['an array', '[{"text":"x"}]'],
    ['a number as text', '{"text":5}'],
    ['text that is not JSON', 'hello'],
  ])('closes a writer that sends %s and broadcasts nothing', async (_label, frame) => {
    const name = `bad-${Math.random().toString(36).slice(2)}`;
    const a = await connect(room(name), alice);
    const b = await connect(room(name), bob);
    a.send(frame);
    await a.closed;
    const seen = await sync(b, b, 'still here');
    expect(seen.map((f) => f[0]!.text)).toEqual(['still here']);
    b.close();
  });

  it('decodes frames as Go does: first value only, keys in any case, null fields empty, binary too', async () => {
    const a = await connect(room('godecode'), alice);
    a.send('{"text":null}');
    a.send('{"TEXT":"upper"}');
    a.send('{"text":"first"} trailing junk');
    a.send(Buffer.from('{"text":"binary"}'));
    a.send('{"text":"extra","unknown":[1,2]}');
    await a.frame(4);
    expect(a.received.map((f) => (JSON.parse(f) as Wire[])[0]!.text)).toEqual(['', 'upper', 'first', 'binary', 'extra']);
    a.close();
  });

  it.each([
    ['a sender that is not an object', '{"text":"x","sender":5}'],
    ['a fractional createTime', '{"text":"x","createTime":1.5}'],
    ['a sender id that is a string', '{"text":"x","sender":{"id":"1"}}'],
  ])('closes a writer whose frame has %s', async (_label, frame) => {
    const a = await connect(room(`types-${Math.random().toString(36).slice(2)}`), alice);
    a.send(frame);
    await a.closed;
    expect(a.received).toEqual([]);
  });

  it('refuses a user banned from the room with 403 BANNED before the upgrade', async () => {
    const token = await account('banned');
    const banned = await node.server.core.users.findByUsername('banned');
    const op = await node.server.core.users.register({ username: 'operator', password: 'pw', isOperator: true });
    const conv = await node.server.core.conversations.openRoom('guarded');
    await node.server.core.moderation.ban({ id: op.id, username: op.username, displayName: op.displayName }, banned!.id, conv.id, 'go away', null);
    const err = (await new TestSocket(room('guarded'), token).opened.catch((e: unknown) => e)) as { status: number; body: string };
    expect(err.status).toBe(403);
    expect(JSON.parse(err.body).error.type).toBe('BANNED');
    const listener = await connect(room('guarded')); // anonymous listeners are not affected
    listener.close();
  });

  it('closes the sockets of an account disabled while connected, and refuses its next connection', async () => {
    const token = await account('soon-disabled');
    const s = await connect(room('lobby'), token);
    const user = await node.server.core.users.findByUsername('soon-disabled');
    await node.server.core.users.setDisabled(user!.id, true);
    expect((await s.closed).code).toBe(1008);
    const err = (await new TestSocket(room('lobby'), token).opened.catch((e: unknown) => e)) as { status: number };
    expect(err.status).toBe(403);
  });

  it('broadcasts null and {} as empty-text messages', async () => {
    const a = await connect(room('empties'), alice);
    a.send('null');
    a.send('{}');
    expect((await a.json<Wire[]>(0))[0]?.text).toBe('');
    expect((await a.json<Wire[]>(1))[0]?.text).toBe('');
    a.close();
  });

  it('ignores a client-supplied sender and createTime', async () => {
    const a = await connect(room('spoof'), alice);
    a.send(JSON.stringify({ text: 'me', sender: { id: 2, username: 'bob' }, createTime: 1 }));
    const [msg] = await a.json<Wire[]>(0);
    expect(msg!.sender).toEqual({ id: 1, username: 'alice' });
    expect(msg!.createTime).toBeGreaterThan(1);
    a.close();
  });

  it('closes the socket with 1009 for a frame over 512 bytes', async () => {
    const a = await connect(room('big'), alice);
    a.send(JSON.stringify({ text: 'x'.repeat(600) }));
    expect((await a.closed).code).toBe(1009);
  });

  it('accepts a frame of exactly 512 bytes', async () => {
    const a = await connect(room('edge'), alice);
    const text = 'y'.repeat(512 - '{"text":""}'.length);
    a.send(JSON.stringify({ text }));
    expect((await a.json<Wire[]>(0))[0]?.text).toBe(text);
    a.close();
  });

  it('keeps rooms apart', async () => {
    const a = await connect(room('north'), alice);
    const b = await connect(room('south'), bob);
    a.send(JSON.stringify({ text: 'north only' }));
    await a.frame(0);
    const seen = await sync(b, b, 'south only');
    expect(seen.map((f) => f[0]!.text)).toEqual(['south only']);
    a.close();
    b.close();
  });

  it('decodes the room name from the path', async () => {
    const a = await connect(room('hello%20world'), alice);
    a.send(JSON.stringify({ text: 'spaced' }));
    await a.frame(0);
    const conv = await node.server.core.conversations.openRoom('hello world');
    const alicePrincipal = { id: 1, username: 'alice', displayName: 'alice' } as never;
    const page = await node.server.core.messages.history(alicePrincipal, toConversationId(conv.id), { limit: 10 });
    expect(page.messages.map((m) => m.text)).toEqual(['spaced']);
    a.close();
  });

  it('stores the room as a conversation and every message in its history, in order', async () => {
    const a = await connect(room('archive'), alice);
    const b = await connect(room('archive'), bob);
    for (let i = 0; i < 20; i++) (i % 2 ? b : a).send(JSON.stringify({ text: `m${i}` }));
    await Promise.all([a.frame(19), b.frame(19)]);
    const conv = await node.server.core.conversations.openRoom('archive');
    expect(conv.kind).toBe('room');
    const reader = { id: 2, username: 'bob', displayName: 'bob' } as never;
    const page = await node.server.core.messages.history(reader, conv.id, { limit: 100 });
    const sent = a.received.map((f) => (JSON.parse(f) as Wire[])[0]!.text);
    expect(page.messages.map((m) => m.text)).toEqual(sent);
    expect(new Set(sent)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `m${i}`)));
    expect(a.received).toEqual(b.received);
    a.close();
    b.close();
  });

  it('keeps one writer\'s messages in the order it sent them', async () => {
    const a = await connect(room('ordered'), alice);
    for (let i = 0; i < 50; i++) a.send(JSON.stringify({ text: String(i) }));
    await a.frame(49);
    expect(a.received.map((f) => (JSON.parse(f) as Wire[])[0]!.text)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    a.close();
  });

  it('closes the socket with 1001 when the node shuts down', async () => {
    const other = await startNode();
    const s = await connect(`${other.wsUrl}/api/v1/rooms/x/messages/ws`);
    await other.stop();
    expect((await s.closed).code).toBe(1001);
    expect(s.ws.readyState).toBe(WebSocket.CLOSED);
  });
});
