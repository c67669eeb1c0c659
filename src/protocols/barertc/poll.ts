import type { FastifyInstance } from 'fastify';
import type { AttachedSession, AttachTransport } from '../../hub/attach.js';
import { textsOf, type Outgoing, type Transport } from '../../hub/transport.js';
import type { Logger } from '../../logger.js';
import { socketRoute, type SocketRoute } from '../protocol.js';
import { documented } from '../route-docs.js';
import { barertcDocs } from './openapi.js';
import { chatServer, frame } from './wire.js';

/** Frames a poll session may hold between two polls before it counts as a slow consumer. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** The messages a long-poll client has not collected yet: the transport behind a /poll session. */
class PollQueue implements Transport {
  #frames: string[] = [];
  #bytes = 0;
  #open = true;
  constructor(private readonly onClose: () => void) {}
  write(message: Outgoing): void {
    if (!this.#open) return;
    for (const text of textsOf(message)) {
      this.#frames.push(text);
      this.#bytes += text.length;
    }
  }
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.onClose();
  }
  get bufferedAmount(): number {
    return this.#bytes;
  }
  get isOpen(): boolean {
    return this.#open;
  }
  /** Everything queued since the last poll, as a JSON array's inside. */
  drain(): string {
    const out = this.#frames.join(',');
    this.#frames = [];
    this.#bytes = 0;
    return out;
  }
}

interface PollSession {
  readonly state: { leaving?: 'timed_out' };
  readonly queue: PollQueue;
  readonly attached: AttachedSession;
  readonly loggedIn: () => string | null;
  lastPoll: number;
}

/** What the poll endpoint needs from the socket route: the same protocol, reached another way. */
/** The socket state /poll reads: who logged in, and how the session is ending. */
export interface PollState {
  readonly user: { readonly username: string } | null;
  leaving?: 'timed_out';
}

export interface PollDeps<S extends PollState> {
  readonly route: SocketRoute<S>;
  readonly attach: AttachTransport;
  readonly logger: Logger;
  /** A session not polled for this long is dropped ("has timed out!"). */
  readonly timeoutMs: number;
}

/**
 * POST /poll — BareRTC's long-polling transport (reference/barertc.md §5): the same actions as
 * the socket, the frames queued between polls. A session lives on the node that logged it in;
 * behind a load balancer, /poll needs sticky sessions (another node answers that it expired, and
 * the page logs in again).
 */
export function pollRoutes<S extends PollState>(deps: PollDeps<S>) {
  const sessions = new Map<string, PollSession>();
  const expired = (reply: import('fastify').FastifyReply, username: string, sessionId: string) =>
    reply.code(400).type('application/json').send(`{"username":${JSON.stringify(username)},"session_id":${JSON.stringify(sessionId)},"messages":[${frame(chatServer('Your authentication has expired, please log back into the chat again.'))},${frame({ action: 'disconnect' })}]}`);
  const answer = (reply: import('fastify').FastifyReply, status: number, username: string, sessionId: string, messages: string) =>
    reply.code(status).type('application/json').send(`{"username":${JSON.stringify(username)},"session_id":${JSON.stringify(sessionId)},"messages":[${messages}]}`);

  const sweep = setInterval(() => {
    const cutoff = Date.now() - deps.timeoutMs;
    for (const [id, s] of sessions) {
      if (s.lastPoll > cutoff) continue;
      sessions.delete(id);
      void end(s, 'timed_out');
    }
  }, Math.max(1000, Math.min(10_000, deps.timeoutMs / 6)));
  sweep.unref();

  async function end(s: PollSession, why?: 'timed_out'): Promise<void> {
    if (why) s.state.leaving = why;
    await s.attached.end();
  }

  async function start(msg: unknown, ip: string): Promise<{ id: string; session: PollSession } | null> {
    const decision = await deps.route.accept({ pathname: '/poll', params: {}, query: new URLSearchParams(), headers: {}, offeredProtocols: [], remoteAddress: ip });
    if (!('accept' in decision)) return null;
    const id = crypto.randomUUID();
    const state = decision.accept.state;
    let session: PollSession | null = null;
    const queue = new PollQueue(() => {
      // The hub ended it (access lost, too slow): forget it and run the close handler.
      sessions.delete(id);
      if (session) void session.attached.end();
    });
    const attached = deps.attach(queue, socketRoute(deps.route), decision.accept as never);
    session = { state, queue, attached, loggedIn: () => state.user?.username ?? null, lastPoll: Date.now() };
    await attached.receive(Buffer.from(JSON.stringify(msg)));
    return { id, session };
  }

  const routes = async (app: FastifyInstance): Promise<void> => {
    app.post('/poll', { bodyLimit: MAX_QUEUED_BYTES, ...documented('barertc', barertcDocs.poll) }, async (req, reply) => {
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { username?: unknown; session_id?: unknown; msg?: unknown };
      const username = typeof body.username === 'string' ? body.username : '';
      const sessionId = typeof body.session_id === 'string' ? body.session_id : '';
      const msg = typeof body.msg === 'object' && body.msg !== null && !Array.isArray(body.msg) ? body.msg : {};
      if (sessionId === '') {
        if ((msg as { action?: unknown }).action !== 'login') return answer(reply, 400, username, '', frame(chatServer('Not logged in.')));
        const started = await start(msg, req.ip);
        if (!started) return answer(reply, 400, username, '', frame(chatServer('Not logged in.')));
        const name = started.session.loggedIn();
        if (name === null) {
          const messages = started.session.queue.drain();
          await started.session.attached.end();
          return answer(reply, 400, username, '', messages || frame(chatServer('Not logged in.')));
        }
        sessions.set(started.id, started.session);
        return answer(reply, 200, name, started.id, started.session.queue.drain());
      }
      const s = sessions.get(sessionId);
      if (!s || s.loggedIn() !== username) return expired(reply, username, sessionId);
      s.lastPoll = Date.now();
      await s.attached.receive(Buffer.from(JSON.stringify(msg)));
      if (s.loggedIn() === null) {
        sessions.delete(sessionId);
        const messages = s.queue.drain();
        await s.attached.end();
        return answer(reply, 200, username, sessionId, messages);
      }
      return answer(reply, 200, username, sessionId, s.queue.drain());
    });
  };
  return {
    routes,
    async stop(): Promise<void> {
      clearInterval(sweep);
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.attached.end()));
    },
  };
}
