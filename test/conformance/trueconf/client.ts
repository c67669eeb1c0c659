import WebSocket from 'ws';
import { join } from './http.js';
import { ConformanceError, isObject, type JsonObject } from './models.js';
import { parseFrame, validateEvent, validateResponse, type AuthResult, type EventOf, type ResponseOf } from './methods.js';

// A TrueConf chatbot client for the conformance tests that behaves on the wire like
// python-trueconf-bot v1.4 (reference/trueconf.md §7.1) and rejects anything from the server that
// would crash that library's strict (mashumaro) models.

export { ConformanceError } from './models.js';
export * from './methods.js';
export { fetchToken, OAuthError, serverInfo, uploadFile, type FilePart } from './http.js';

/** A request answered with a non-zero `errorCode` (§1.1, §5). */
export class TrueConfError extends Error {
  override readonly name = 'TrueConfError';
  constructor(readonly method: string, readonly errorCode: number, readonly errorDescription: string | undefined) {
    super(`${method} failed with errorCode ${errorCode}${errorDescription === undefined ? '' : `: ${errorDescription}`}`);
  }
}

/** Options of {@link TrueConfBot.connect}. */
export interface ConnectOptions {
  /** `auth.receiveUnread`; default false. */
  readonly receiveUnread?: boolean;
  /** `auth.receiveSystemMessageEnvelopes` (library v1.2.1+); omitted from `auth` unless given. */
  readonly receiveSystemMessageEnvelopes?: boolean;
  /** A `Sec-WebSocket-Protocol` to offer; python offers none. */
  readonly subprotocol?: string;
  /** Socket path; default `/websocket/chat_bot` (no trailing slash, as python). */
  readonly path?: string;
  /** Response timeout in ms; python's default is 10 s. */
  readonly timeoutMs?: number;
}

/** A server request (event) as received, after the acknowledgement was sent. */
export interface ReceivedEvent {
  readonly id: number;
  readonly method: string;
  readonly payload: unknown;
  /** Set when the frame breaks the python client's models. */
  readonly error?: ConformanceError;
}

/** A validated event of method `M`. */
export interface ServerEvent<M extends string = string> { readonly id: number; readonly method: M; readonly payload: EventOf<M> }

interface Pending { readonly method: string; readonly timer: NodeJS.Timeout; resolve(v: unknown): void; reject(e: unknown): void }
interface Waiter { readonly method: string | undefined; readonly timer: NodeJS.Timeout; resolve(e: ReceivedEvent): void; reject(e: unknown): void }

// One process-wide counter, never reset across connections, as in python-trueconf-bot (§1.2).
let lastRequestId = 0;

/** A bot connection that speaks and checks the protocol like python-trueconf-bot. */
export class TrueConfBot {
  /** Every server request received, in order; invalid ones carry `error`. */
  readonly events: ReceivedEvent[] = [];
  readonly #ws: WebSocket;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  readonly #queue: ReceivedEvent[] = [];
  #waiters: Waiter[] = [];
  #auth: AuthResult | undefined;
  #closed: Error | undefined;

  private constructor(ws: WebSocket, timeoutMs: number) {
    this.#ws = ws;
    this.#timeoutMs = timeoutMs;
    ws.on('message', (data, isBinary) => this.#onMessage(data.toString(), isBinary));
    ws.on('error', (e) => { this.#closed ??= e; });
    ws.on('close', (code) => this.#fail(this.#closed ?? new Error(`socket closed (${code})`)));
  }

  /**
   * Open `<wsUrl>/websocket/chat_bot` without a subprotocol and authenticate with
   * `{token, tokenType: "JWT", receiveUnread}`. Rejects with {@link TrueConfError} when `auth`
   * fails, {@link ConformanceError} when its response lacks `userId` or `connectionId`.
   */
  static async connect(wsUrl: string, token: string, options: ConnectOptions = {}): Promise<TrueConfBot> {
    const url = join(wsUrl, options.path ?? '/websocket/chat_bot');
    const ws = options.subprotocol === undefined ? new WebSocket(url) : new WebSocket(url, options.subprotocol);
    const bot = new TrueConfBot(ws, options.timeoutMs ?? 10_000);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`WebSocket upgrade to ${url} answered HTTP ${res.statusCode ?? '?'}`));
      });
    });
    const payload: JsonObject = {
      token, tokenType: 'JWT', receiveUnread: options.receiveUnread ?? false,
      ...(options.receiveSystemMessageEnvelopes === undefined ? {} : { receiveSystemMessageEnvelopes: options.receiveSystemMessageEnvelopes }),
    };
    try {
      bot.#auth = await bot.request('auth', payload);
    } catch (e) {
      await bot.close();
      throw e;
    }
    return bot;
  }

  /** The full `userId` from `auth`, e.g. `bot@example.org/abc`. */
  get userId(): string { return this.#authResult().userId; }
  /** `connectionId` from `auth`. */
  get connectionId(): string { return this.#authResult().connectionId; }
  /** `userId` before the first `/`: the id python compares with `author.id` (§2.1). */
  get meId(): string { return this.#authResult().userId.split('/')[0] ?? ''; }
  /** Every conformance failure seen so far, including ones no `nextEvent` call reported. */
  get violations(): readonly ConformanceError[] {
    return this.events.flatMap((e) => (e.error === undefined ? [] : [e.error]));
  }

  /**
   * Send a type-1 request with the next id and resolve with its validated response payload.
   * Rejects with {@link TrueConfError} on a non-zero `errorCode`, {@link ConformanceError} when
   * the payload lacks or mistypes a required field, or an Error on timeout or close.
   */
  request<M extends string>(method: M, payload: JsonObject = {}, timeoutMs = this.#timeoutMs): Promise<ResponseOf<M>> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const id = ++lastRequestId;
    return new Promise<ResponseOf<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method} (id ${id}): no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { method, timer, resolve: (v) => resolve(v as ResponseOf<M>), reject });
      this.#ws.send(JSON.stringify({ type: 1, id, method, payload }));
    });
  }

  /** `sendMessage` exactly as python sends it: `replyMessageId` is always present, null when not replying. */
  sendMessage(chatId: string, text: string, parseMode: 'text' | 'markdown' | 'html' = 'html', replyMessageId: string | null = null): Promise<ResponseOf<'sendMessage'>> {
    return this.request('sendMessage', { chatId, content: { text, parseMode }, replyMessageId });
  }

  /**
   * The next not-yet-taken event (of `method`, when given). Rejects with the ConformanceError of
   * the first invalid frame received before it, or an Error on timeout or close.
   */
  nextEvent<M extends string = string>(method?: M, timeoutMs = 5000): Promise<ServerEvent<M>> {
    return new Promise<ServerEvent<M>>((resolve, reject) => {
      const waiter: Waiter = {
        method,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(new Error(`no ${method ?? 'event'} within ${timeoutMs} ms; received ${this.events.map((e) => e.method).join(', ') || 'nothing'}`));
        }, timeoutMs),
        resolve: (e) => resolve(e as ServerEvent<M>),
        reject,
      };
      this.#waiters.push(waiter);
      this.#dispatch();
      if (this.#closed !== undefined && this.#waiters.includes(waiter)) this.#fail(this.#closed);
    });
  }

  /** Close with code 1000 and wait for the close handshake. */
  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.#ws.once('close', () => resolve()));
    this.#ws.close(1000);
    await closed;
  }

  #authResult(): AuthResult {
    if (this.#auth === undefined) throw new Error('not authenticated');
    return this.#auth;
  }

  #onMessage(text: string, isBinary: boolean): void {
    let frame;
    try {
      if (isBinary) throw new ConformanceError('frame', '', 'must be a text frame');
      frame = parseFrame(text);
    } catch (e) {
      this.#record({ id: -1, method: '', payload: text, error: toConformance(e) });
      return;
    }
    if (frame.type === 1) {
      // Acknowledge at once, with no payload and before looking at the event, as python does (§1.3).
      this.#ws.send(JSON.stringify({ type: 2, id: frame.id }));
      try {
        validateEvent(frame.method, frame.payload);
        this.#record({ id: frame.id, method: frame.method, payload: frame.payload });
      } catch (e) {
        this.#record({ id: frame.id, method: frame.method, payload: frame.payload, error: toConformance(e) });
      }
      return;
    }
    const pending = this.#pending.get(frame.id);
    if (pending === undefined) {
      this.#record({ id: frame.id, method: '', payload: frame.payload, error: new ConformanceError('response frame', 'id', `${frame.id} answers no request in flight`) });
      return;
    }
    this.#pending.delete(frame.id);
    clearTimeout(pending.timer);
    try {
      pending.resolve(settle(pending.method, frame.payload));
    } catch (e) {
      pending.reject(e);
    }
  }

  #record(event: ReceivedEvent): void {
    this.events.push(event);
    this.#queue.push(event);
    this.#dispatch();
  }

  /** Hand queued events to waiters in order; an invalid frame goes to the first waiter whatever it filters on. */
  #dispatch(): void {
    for (const waiter of [...this.#waiters]) {
      const i = this.#queue.findIndex((e) => e.error !== undefined || waiter.method === undefined || e.method === waiter.method);
      if (i < 0) continue;
      const [event] = this.#queue.splice(i, 1);
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
      clearTimeout(waiter.timer);
      if (event?.error !== undefined) waiter.reject(event.error);
      else if (event !== undefined) waiter.resolve(event);
    }
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const p of this.#pending.values()) { clearTimeout(p.timer); p.reject(error); }
    this.#pending.clear();
    for (const w of this.#waiters) { clearTimeout(w.timer); w.reject(error); }
    this.#waiters = [];
  }
}

/** Turn a response payload into the validated result or throw TrueConfError on a non-zero errorCode. */
function settle(method: string, payload: unknown): unknown {
  if (isObject(payload) && Object.hasOwn(payload, 'errorCode')) {
    const code = payload.errorCode;
    if (!Number.isInteger(code)) throw new ConformanceError(`${method} response`, 'errorCode', `must be an integer, got ${JSON.stringify(code)}`);
    const description = payload.errorDescription;
    if (code !== 0) throw new TrueConfError(method, code as number, typeof description === 'string' ? description : undefined);
  }
  return validateResponse(method, payload);
}

function toConformance(e: unknown): ConformanceError {
  return e instanceof ConformanceError ? e : new ConformanceError('frame', '', String(e));
}
