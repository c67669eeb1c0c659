import type { TestNode } from '../../helpers/start-node.js';
import { eventually } from '../../helpers/wait.js';
import { connect, type TestSocket } from '../../helpers/ws-client.js';

// Shared helpers for the ChatCLI conformance tests (reference/chatcli.md): a real SMTP sink,
// HTTP calls through app.inject(), account set-up, and a frame reader for the WebSocket.

/** A password that passes §5.3's strength rule. */
export const PASSWORD = 'Passw0rd!';
export const WEAK = 'Password must be ≥8 chars, include upper, lower, digit & special';
/** `YYYY-MM-DDTHH:MM:SSZ`: UTC with its zone designator, no fraction (issue 9; §6.3's documented form). */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export const emailOf = (username: string): string => `${username.trim().toLowerCase()}@example.org`;

// ---------------------------------------------------------------------------------------------
// SMTP

export { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../helpers/smtp-sink.js';
import type { ReceivedMail, SmtpSink } from '../../helpers/smtp-sink.js';

/** The 6-digit code of a verification mail (§5.3). */
export function codeOf(mail: ReceivedMail): string {
  const m = /Verification code: (\d{6})/.exec(mail.text);
  if (!m) throw new Error(`no verification code in ${JSON.stringify(mail.text)}`);
  return m[1]!;
}

/** The reset link of a password-reset mail (§5.8). */
export function resetLinkOf(mail: ReceivedMail): URL {
  const m = /(https?:\/\/[^\s"<>]+\/user\/reset-password\?[^\s"<>]+)/.exec(mail.text);
  if (!m) throw new Error(`no reset link in ${JSON.stringify(mail.text)}`);
  return new URL(m[1]!);
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  readonly json: unknown;
}

/** HTTP calls to a node through app.inject(). */
export function http(node: TestNode) {
  async function call(method: 'GET' | 'POST', url: string, options: { json?: unknown; form?: Record<string, string>; raw?: string; contentType?: string } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = {};
    let payload: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(options.form).toString();
    } else if (options.raw !== undefined) {
      payload = options.raw;
    }
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const res = await node.server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    return {
      status: res.statusCode,
      body: res.body,
      contentType: String(res.headers['content-type'] ?? ''),
      get json(): unknown {
        return JSON.parse(res.body) as unknown;
      },
    };
  }
  return {
    call,
    get: (url: string, options: Parameters<typeof call>[2] = {}) => call('GET', url, options),
    post: (url: string, json?: unknown) => call('POST', url, json === undefined ? {} : { json }),
    postForm: (url: string, form: Record<string, string>) => call('POST', url, { form }),
  };
}

export type Http = ReturnType<typeof http>;

/** `{status:"error", message, response:""}` (§3). */
export const errorEnvelope = (message: string, response: unknown = '') => ({ status: 'error', message, response });
/** `{status:"ok", message:"", response}` (§3). */
export const okEnvelope = (response: unknown, message = '') => ({ status: 'ok', message, response });

// ---------------------------------------------------------------------------------------------
// Accounts

export interface Account {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly access: string;
  readonly refresh: string;
}

/** Register through /user/register and return the code that the real SMTP server received. */
export async function registerForCode(api: Http, smtp: SmtpSink, username: string, password = PASSWORD, email = emailOf(username)): Promise<string> {
  const seen = smtp.mailsTo(email).length;
  const res = await api.post('/user/register', { username, email, password });
  if (res.status !== 200) throw new Error(`register ${username}: ${res.status} ${res.body}`);
  return codeOf(await smtp.nextMailTo(email, seen));
}

/** Log in through /user/login; throws unless 200. */
export async function login(api: Http, username: string, password = PASSWORD): Promise<{ access: string; refresh: string }> {
  const res = await api.post('/user/login', { username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.body}`);
  const body = res.json as { access_token: string; refresh_token: string };
  return { access: body.access_token, refresh: body.refresh_token };
}

/** Register, verify with the mailed code, and log in: a ready ChatCLI account. */
export async function signUp(api: Http, smtp: SmtpSink, username: string, password = PASSWORD): Promise<Account> {
  const email = emailOf(username);
  const code = await registerForCode(api, smtp, username, password, email);
  const verified = await api.post('/user/verify-email', { username, email_token: code });
  if (verified.status !== 200) throw new Error(`verify ${username}: ${verified.status} ${verified.body}`);
  return { username, password, email, ...(await login(api, username, password)) };
}

/** Create a chat from `a` to `b` and return its id (the additive `chatID`, §5.9 [our choice]). */
export async function createChat(api: Http, a: Account, b: Account | string): Promise<number> {
  const res = await api.post('/chat/create-chat', { session_token: a.access, receiver: typeof b === 'string' ? b : b.username });
  if (res.status !== 200) throw new Error(`create-chat: ${res.status} ${res.body}`);
  return (res.json as { chatID: number }).chatID;
}

// ---------------------------------------------------------------------------------------------
// WebSocket

export type Frame = Record<string, unknown>;
const isPresence = (f: Frame) => f['type'] === 'user_status';
let markers = 0;

/**
 * A ChatCLI socket with a read position. user_status frames may arrive at any time on listening
 * sockets (§6.1), so readers skip them unless asked for them.
 */
export class ChatSocket {
  #read: number;

  constructor(readonly raw: TestSocket, read = 0) {
    this.#read = read;
  }

  send(frame: unknown): void {
    this.raw.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Every frame received so far, parsed. */
  all(): Frame[] {
    return this.raw.received.map((f) => JSON.parse(f) as Frame);
  }

  /** The next frame after the read position matching `pred`, and the frames passed over. */
  async next(pred: (f: Frame) => boolean): Promise<{ frame: Frame; skipped: Frame[] }> {
    for (let i = this.#read; ; i++) {
      const frame = JSON.parse(await this.raw.frame(i)) as Frame;
      if (pred(frame)) {
        const skipped = this.all().slice(this.#read, i);
        this.#read = i + 1;
        return { frame, skipped };
      }
    }
  }

  /** The next frame that is not a user_status; throws if it is not of `type`. */
  async nextOf(type: string): Promise<Frame> {
    const { frame } = await this.next((f) => !isPresence(f));
    if (frame['type'] !== type) throw new Error(`expected a ${type} frame, got ${JSON.stringify(frame)}`);
    return frame;
  }

  /**
   * Round trip: send an unknown action and wait for its error. Frames are handled in order per
   * socket, so everything caused before has arrived. Returns the frames received since the last
   * read (user_status left out unless `presence`).
   */
  async barrier(options: { presence?: boolean } = {}): Promise<Frame[]> {
    const marker = `marker-${++markers}`;
    this.send({ type: marker });
    const { skipped } = await this.next((f) => f['type'] === 'error' && f['message'] === `Unknown action: ${marker}`);
    return options.presence ? skipped : skipped.filter((f) => !isPresence(f));
  }

  close(): void {
    this.raw.close();
  }
}

/** The ChatCLI WebSocket URL of a node (its own listener, path /ws; §6). */
export const wsUrlOf = (node: TestNode): string => `${node.server.chatcliUrl}/ws`;

/** Connect and authenticate; the first frame must be exactly the auth_ack. */
export async function openChatSocket(node: TestNode, token: string): Promise<ChatSocket> {
  const raw = await connect(wsUrlOf(node));
  raw.send(JSON.stringify({ type: 'auth', token }));
  const first = JSON.parse(await raw.frame(0)) as Frame;
  if (JSON.stringify(first) !== JSON.stringify({ type: 'auth_ack', status: 'ok' })) throw new Error(`expected auth_ack, got ${JSON.stringify(first)}`);
  return new ChatSocket(raw, 1);
}

/**
 * Authenticated sockets that a suite's tests open, all closed (and their close awaited) after
 * each test: call `afterEach(() => sockets.closeAll())`.
 */
export function socketPool(nodeOf: () => TestNode) {
  const open: ChatSocket[] = [];
  return {
    async open(account: Account): Promise<ChatSocket> {
      return this.track(await openChatSocket(nodeOf(), account.access));
    },
    /** Close this socket with the others after the test. */
    track(s: ChatSocket): ChatSocket {
      open.push(s);
      return s;
    },
    async closeAll(): Promise<void> {
      const sockets = open.splice(0);
      for (const s of sockets) s.close();
      await Promise.all(sockets.map((s) => s.raw.closed));
    },
  };
}

/** Join a chat and make sure the join has been handled. */
export async function joinChat(socket: ChatSocket, chatID: number | string): Promise<void> {
  socket.send({ type: 'join_chat', chatID });
  await socket.barrier();
}
