import { expect } from 'vitest';
import WebSocket from 'ws';
import type { TestNode } from '../../helpers/start-node.js';
import { connect, TestSocket } from '../../helpers/ws-client.js';
import { ChatSocket, http, wsUrlOf, type Frame } from '../../conformance/chatcli/helpers.js';
import { fetchToken, TrueConfBot, TrueConfError } from '../../conformance/trueconf/client.js';
import { barrier, eventWhere, textsOf } from '../../conformance/trueconf/harness.js';

// The three doors as the access matrix sees them: a socket that counts the messages it was
// shown, the password login of each door, and probes that say whether a credential still
// authenticates — each in its protocol's own wire shape.

/** The protocols whose viewers the matrix covers. */
export type Door = 'connor' | 'chatcli' | 'trueconf';

/** A viewer's or control's live socket, whatever its door. */
export interface Watch {
  /** The texts of every chat message this socket was shown so far. */
  texts(): string[];
  /** Resolves once a message with this text has arrived; rejects after 5 s. */
  received(text: string): Promise<void>;
  /**
   * A round trip on an open socket, so every frame the server wrote before has arrived. A closed
   * socket has nothing in flight. connor has no request on its socket: an open one cannot settle.
   */
  settle(): Promise<void>;
  /** The close code, once the server has closed the socket. */
  closed(): Promise<number>;
  readonly isOpen: boolean;
  close(): Promise<void>;
}

/** A connor room socket: frames are one-element arrays of `{sender, text, createTime}` (connor.md §8.3). */
export class ConnorWatch implements Watch {
  constructor(readonly socket: TestSocket) {}

  texts(): string[] {
    return this.socket.received.flatMap((f) => (JSON.parse(f) as { text: string }[]).map((m) => m.text));
  }

  async received(text: string): Promise<void> {
    for (let i = 0; ; i++) {
      if ((JSON.parse(await this.socket.frame(i)) as { text: string }[]).some((m) => m.text === text)) return;
    }
  }

  async settle(): Promise<void> {
    if (this.isOpen) throw new Error('a connor socket has no round trip: only a closed one can be settled');
  }

  async closed(): Promise<number> {
    return (await this.socket.closed).code;
  }

  get isOpen(): boolean {
    return this.socket.ws.readyState === WebSocket.OPEN;
  }

  async close(): Promise<void> {
    this.socket.ws.terminate();
  }
}

/** A ChatCLI socket (chatcli.md §6): new_message frames carry the text in `message`. */
export class ChatcliWatch implements Watch {
  constructor(readonly chat: ChatSocket) {}

  #frames(): Frame[] {
    return this.chat.raw.received.map((f) => JSON.parse(f) as Frame);
  }

  texts(): string[] {
    return this.#frames().filter((f) => f['type'] === 'new_message').map((f) => String(f['message']));
  }

  async received(text: string): Promise<void> {
    for (let i = 0; ; i++) {
      const f = JSON.parse(await this.chat.raw.frame(i)) as Frame;
      if (f['type'] === 'new_message' && f['message'] === text) return;
    }
  }

  async settle(): Promise<void> {
    if (this.isOpen) await this.chat.barrier();
  }

  async closed(): Promise<number> {
    return (await this.chat.raw.closed).code;
  }

  get isOpen(): boolean {
    return this.chat.raw.ws.readyState === WebSocket.OPEN;
  }

  /** Post through the socket and resolve with the error frame it answers (§6.5). */
  async postRefused(chatId: number, text: string): Promise<Frame> {
    const seen = this.chat.raw.received.length;
    this.chat.send({ type: 'post_msg', chatID: chatId, text });
    for (let i = seen; ; i++) {
      const f = JSON.parse(await this.chat.raw.frame(i)) as Frame;
      if (f['type'] === 'error' || f['type'] === 'new_message') return f;
    }
  }

  async close(): Promise<void> {
    this.chat.raw.ws.terminate();
  }
}

const NEVER = '\u0000closed';

/** A TrueConf bot (trueconf.md §3): sendMessage events carry the text in `content.text`. */
export class TrueconfWatch implements Watch {
  #closedBy: Error | undefined;
  readonly #closed: Promise<Error>;

  constructor(readonly bot: TrueConfBot) {
    // The client rejects its waiters when the socket closes; a waiter for no method learns of it.
    this.#closed = bot.nextEvent(NEVER, 600_000).then(
      () => new Error('unreachable'),
      (e: unknown) => (this.#closedBy = e instanceof Error ? e : new Error(String(e))),
    );
  }

  texts(): string[] {
    return textsOf(this.bot);
  }

  async received(text: string): Promise<void> {
    await eventWhere(this.bot, 'sendMessage', (p) => (p as { content?: { text?: unknown } }).content?.text === text);
  }

  async settle(): Promise<void> {
    if (this.isOpen) await barrier(this.bot);
  }

  async closed(): Promise<number> {
    const e = await this.#closed;
    const m = /socket closed \((\d+)\)/.exec(e.message);
    if (!m) throw e;
    return Number(m[1]);
  }

  get isOpen(): boolean {
    return this.#closedBy === undefined;
  }

  async close(): Promise<void> {
    await this.bot.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Password logins, one per door, on one node. Each throws when the door refuses.

/** connor POST /api/v1/login (connor.md §5): the 72 h JWT. */
export async function connorLogin(node: TestNode, username: string, password: string): Promise<string> {
  const res = await fetch(`${node.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, secret: password }) });
  const body = (await res.json()) as { data: { token: string } | null; error: unknown };
  if (res.status !== 200 || !body.data) throw Object.assign(new Error(`connor login ${username}: ${res.status} ${JSON.stringify(body.error)}`), { status: res.status });
  return body.data.token;
}

/** ChatCLI POST /user/login (chatcli.md §5.5): a new login (token family). */
export async function chatcliLogin(node: TestNode, username: string, password: string): Promise<{ access: string; refresh: string }> {
  const res = await http(node).post('/user/login', { username, password });
  if (res.status !== 200) throw Object.assign(new Error(`chatcli login ${username}: ${res.status} ${res.body}`), { status: res.status });
  const body = res.json as { access_token: string; refresh_token: string };
  return { access: body.access_token, refresh: body.refresh_token };
}

/** TrueConf's OAuth password grant (trueconf.md §6.1): the bot JWT. */
export async function trueconfLogin(node: TestNode, username: string, password: string): Promise<string> {
  return (await fetchToken(node.url, username, password)).access_token;
}

// ---------------------------------------------------------------------------------------------
// Sockets

/** The connor room socket URL. */
export const roomUrl = (node: TestNode, room: string): string => `${node.wsUrl}/api/v1/rooms/${encodeURIComponent(room)}/messages/ws`;

/** How a connor upgrade was refused: status and `error.type` (connor.md §6, §7). */
export async function connorRefusal(node: TestNode, room: string, jwt: string): Promise<{ status: number; type: string }> {
  const s = new TestSocket(roomUrl(node, room), jwt);
  const outcome = await s.opened.then(() => null, (e: unknown) => e as { status?: number; body?: string });
  if (outcome === null) {
    s.ws.terminate();
    throw new Error('the connor upgrade was accepted');
  }
  return { status: outcome.status ?? 0, type: (JSON.parse(outcome.body ?? '{}') as { error?: { type?: string } }).error?.type ?? '' };
}

/** Open a connor writer socket (joins the room before the upgrade). */
export async function openConnor(node: TestNode, room: string, jwt: string): Promise<ConnorWatch> {
  return new ConnorWatch(await connect(roomUrl(node, room), jwt));
}

/**
 * Authenticate a ChatCLI socket. Resolves with the socket after its auth_ack, or with the close
 * code when the server closes it instead (chatcli.md §6.1: a bad token closes the socket).
 */
export async function chatcliAuth(node: TestNode, access: string): Promise<ChatcliWatch | { closedWith: number; frames: string[] }> {
  const raw = await connect(wsUrlOf(node));
  raw.send(JSON.stringify({ type: 'auth', token: access }));
  // Whichever comes first: the first frame, or the close (then frame(0) would only time out).
  const first = await Promise.race([raw.frame(0).then((f) => ({ frame: f }), () => ({ none: true })), raw.closed.then((c) => ({ code: c.code }))]);
  if ('none' in first) throw new Error('the ChatCLI socket neither answered auth nor closed within 5 s');
  if ('frame' in first && JSON.stringify(JSON.parse(first.frame)) === JSON.stringify({ type: 'auth_ack', status: 'ok' })) return new ChatcliWatch(new ChatSocket(raw, 1));
  const { code } = await raw.closed;
  return { closedWith: code, frames: [...raw.received] };
}

/** Authenticate a TrueConf bot; resolves with the bot, or with the `auth` errorCode, or with the close that came instead. */
export async function trueconfAuth(node: TestNode, jwt: string): Promise<TrueconfWatch | { errorCode: number } | { closed: string }> {
  try {
    return new TrueconfWatch(await TrueConfBot.connect(node.wsUrl, jwt));
  } catch (e) {
    if (e instanceof TrueConfError) return { errorCode: e.errorCode };
    if (e instanceof Error && /socket closed/.test(e.message)) return { closed: e.message };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Credential probes: whether a token issued earlier still authenticates, on each door.

/** Every credential a viewer holds, on every door, issued before the change. */
export interface Credentials {
  readonly connorJwt: string;
  /** The login the viewer's ChatCLI socket uses (and the one a logout ends). */
  readonly chatcli: { readonly access: string; readonly refresh: string };
  /** A second ChatCLI login of the same account. */
  readonly chatcliOther: { readonly access: string; readonly refresh: string };
  readonly trueconfJwt: string;
}

/** What a credential probe expects: refused as revoked, refused as disabled, or still valid. */
export type CredentialState = 'revoked' | 'disabled' | 'valid';

/** A connor JWT against an upgrade: revoked → 400 INVALID_AUTH_TOKEN, disabled → 403 BANNED (connor.md §6, §7). */
export async function expectConnorJwt(node: TestNode, room: string, jwt: string, state: CredentialState): Promise<void> {
  if (state === 'valid') {
    const s = await openConnor(node, room, jwt);
    await s.close();
    return;
  }
  expect(await connorRefusal(node, room, jwt), `connor upgrade with a ${state} token`).toEqual(state === 'revoked' ? { status: 400, type: 'INVALID_AUTH_TOKEN' } : { status: 403, type: 'BANNED' });
}

/** A ChatCLI access token over HTTP (401 "Unable to verify user!", §5.9) and on the socket (closed 1008, §6.1). */
export async function expectChatcliAccess(node: TestNode, access: string, state: CredentialState): Promise<void> {
  const res = await http(node).post('/chat/fetch-chats', { session_token: access });
  if (state === 'valid') {
    expect(res.status, 'fetch-chats with a valid token').toBe(200);
  } else {
    expect(res.status, `fetch-chats with a ${state} token`).toBe(401);
    expect(res.json).toMatchObject({ status: 'error', message: 'Unable to verify user!' });
  }
  const socket = await chatcliAuth(node, access);
  if (state === 'valid') {
    expect(socket).toBeInstanceOf(ChatcliWatch);
    await (socket as ChatcliWatch).close();
  } else {
    expect(socket, `socket auth with a ${state} token`).toEqual({ closedWith: 1008, frames: [] });
  }
}

/** A ChatCLI refresh token (§5.6): refused with 401 once its login or account is revoked. */
export async function expectChatcliRefreshRefused(node: TestNode, refresh: string): Promise<void> {
  const res = await http(node).post('/user/refresh-token', { refresh_token: refresh });
  expect(res.status, 'refresh with a revoked refresh token').toBe(401);
}

/** A TrueConf JWT at `auth`: revoked → 203 (credentials expired), disabled → 202 (trueconf.md §5). */
export async function expectTrueconfJwt(node: TestNode, jwt: string, state: CredentialState): Promise<void> {
  const bot = await trueconfAuth(node, jwt);
  if (state === 'valid') {
    expect(bot).toBeInstanceOf(TrueconfWatch);
    await (bot as TrueconfWatch).close();
    return;
  }
  expect(bot, `TrueConf auth with a ${state} token`).toEqual({ errorCode: state === 'revoked' ? 203 : 202 });
}
