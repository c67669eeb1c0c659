import { SignJWT } from 'jose';
import type { Principal } from '../../../src/core/model/principal.js';
import type { User } from '../../../src/core/model/user.js';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';
import { connect, type TestSocket } from '../../helpers/ws-client.js';
import { fetchToken, parseFrame, TrueConfBot, type ConformanceError, type ConnectOptions, type EventOf, type Frame, type ServerEvent } from './client.js';

// Set-up shared by the TrueConf conformance tests against a running node: accounts made in the
// core, bots connected through the real token endpoint, and a raw socket for the frames the
// python-like client never sends (requests before auth, acks with payloads, odd token types).

export const PASSWORD = 'Passw0rd!';

/** An account made in the core, with its TrueConf id on `domain`. */
export interface Account {
  readonly user: User;
  readonly principal: Principal;
  readonly username: string;
  readonly password: string;
  /** `username@domain` (§2.1). */
  readonly trueconfId: string;
}

let names = 0;
/** A username no other test of this process uses. */
export const uniqueName = (prefix: string): string => `${prefix}${++names}`;

/** Register `username` in the node's core (no e-mail, so no verification is needed). */
export async function createAccount(node: TestNode, username: string, displayName?: string): Promise<Account> {
  const user = await node.server.core.users.register({ username, password: PASSWORD, ...(displayName === undefined ? {} : { displayName }) });
  return { user, principal: { id: user.id, username: user.username, displayName: user.displayName }, username, password: PASSWORD, trueconfId: `${username}@${node.config.server.domain}` };
}

/** Bots a test opens; `closeAll` closes them and returns every conformance violation they saw. */
export function botPool(node: () => TestNode) {
  const open: TrueConfBot[] = [];
  return {
    /** Fetch a token over HTTP as python does, then connect and authenticate. */
    async connect(account: Account, options: ConnectOptions = {}): Promise<TrueConfBot> {
      const { access_token } = await fetchToken(node().url, account.username, account.password);
      const bot = await TrueConfBot.connect(node().wsUrl, access_token, options);
      open.push(bot);
      return bot;
    },
    /** Keep `bot` to be closed with the others. */
    track(bot: TrueConfBot): TrueConfBot {
      open.push(bot);
      return bot;
    },
    async closeAll(): Promise<ConformanceError[]> {
      const bots = open.splice(0);
      const violations = bots.flatMap((b) => b.violations);
      await Promise.all(bots.map((b) => b.close()));
      return violations;
    },
  };
}

/**
 * A request round trip on `bot`'s socket. Requests are handled in order and events go out as
 * they happen, so every event caused before this call has arrived when it resolves.
 */
export async function barrier(bot: TrueConfBot): Promise<void> {
  await bot.request('getFileUploadLimits');
}

/** The next `method` event whose payload satisfies `pred`; events of that method before it are consumed. */
export async function eventWhere<M extends string>(bot: TrueConfBot, method: M, pred: (payload: EventOf<M>) => boolean, timeoutMs?: number): Promise<ServerEvent<M>> {
  for (;;) {
    const event = await bot.nextEvent(method, timeoutMs);
    if (pred(event.payload)) return event;
  }
}

/** The payloads of every `method` event `bot` has received so far. */
export const payloadsOf = (bot: TrueConfBot, method: string): Record<string, unknown>[] =>
  bot.events.filter((e) => e.method === method && e.error === undefined).map((e) => e.payload as Record<string, unknown>);

/** The texts of every `sendMessage` event `bot` has received so far. */
export const textsOf = (bot: TrueConfBot): string[] =>
  payloadsOf(bot, 'sendMessage').map((p) => String((p['content'] as Record<string, unknown>)['text']));

/** An HS256 JWT with the adapter's claims (§6.1), signed with `secret`, expiring at `exp` (unix seconds). */
export function signToken(secret: string, sub: string, exp: number): Promise<string> {
  return new SignJWT({ sub, aud: 'chat_bot', iat: Math.floor(Date.now() / 1000) - 3600 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('parley-trueconf-bridge')
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

/** A bridge socket driven frame by frame, every received frame checked with the client's parser. */
export class RawSocket {
  #read = 0;

  private constructor(readonly socket: TestSocket) {}

  static async open(node: TestNode, path = '/websocket/chat_bot', protocols?: string | string[]): Promise<RawSocket> {
    return new RawSocket(await connect(`${node.wsUrl}${path}`, protocols));
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The next frame not read yet. */
  async next(): Promise<Frame> {
    return parseFrame(await this.socket.frame(this.#read++));
  }

  /** Send a request and read up to its response; `before` holds the frames that came first. */
  async request(id: number, method: string, payload: unknown = {}): Promise<{ response: Frame; before: Frame[] }> {
    this.send({ type: 1, id, method, payload });
    const before: Frame[] = [];
    for (;;) {
      const frame = await this.next();
      if (frame.type === 2 && frame.id === id) return { response: frame, before };
      before.push(frame);
    }
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.socket.closed;
  }
}

/**
 * A node for the enclosing describe block (or file) with its bot pool: started before the tests,
 * stopped after them, and after each test every bot is closed and must have seen no frame the
 * python library would reject.
 */
export function useBridgeNode(options: Parameters<typeof startNode>[0] = {}): { readonly node: TestNode; readonly bots: ReturnType<typeof botPool> } {
  let node: TestNode | undefined;
  const bots = botPool(() => node!);
  beforeAll(async () => {
    node = await startNode(options);
  });
  afterAll(() => node?.stop());
  afterEach(async () => {
    expect(await bots.closeAll()).toEqual([]);
  });
  return {
    get node() {
      return node!;
    },
    bots,
  };
}
