import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toConversationId, toMessageId, toUserId } from '../core/model/ids.js';
import type { DomainEvent } from '../core/events.js';
import { createHub } from '../hub/hub.js';
import type { AnySocketRoute } from '../protocols/protocol.js';
import { FakeTransport } from '../../test/helpers/fakes/fake-transport.js';
import { WsConnection } from './ws-connection.js';

// A route's maxQueuedFrames (BareRTC's SendQueueSize, reference/barertc.md §4.1): frames the
// kernel has not taken from earlier ticks are counted; this tick's corked burst is not.

/** A ws stand-in with a raw socket whose writes complete only when the test says so. */
class SlowSocket {
  readonly pending: (() => void)[] = [];
  corks = 0;
  cork() {
    this.corks++;
  }
  uncork() {
    this.corks--;
  }
  write(_frame: Buffer, done?: () => void) {
    this.pending.push(() => done?.());
    return false;
  }
  /** The kernel takes `n` frames. */
  take(n: number) {
    for (const done of this.pending.splice(0, n)) done();
  }
}

const wsOver = (socket: SlowSocket) => ({ readyState: WebSocket.OPEN, bufferedAmount: 0, _socket: socket, _sender: { _state: 0 }, send: () => undefined }) as unknown as WebSocket;
const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('WsConnection.queuedFrames', () => {
  it('counts frames left unsent after their tick, not the burst of the current tick', async () => {
    const socket = new SlowSocket();
    const conn = new WsConnection(wsOver(socket));
    for (let i = 0; i < 40; i++) conn.write({ text: `f${i}`, frame: null });
    expect(conn.queuedFrames).toBe(0); // one tick's burst, still corked
    await nextTick();
    expect(socket.corks).toBe(0);
    expect(conn.queuedFrames).toBe(40); // the kernel took none of them
    socket.take(35);
    expect(conn.queuedFrames).toBe(5);
    conn.write({ text: 'late', frame: null });
    expect(conn.queuedFrames).toBe(5);
    await nextTick();
    expect(conn.queuedFrames).toBe(6);
  });

  it('counts a batch (Outgoing.more) as each of its frames, written in one go', async () => {
    const socket = new SlowSocket();
    const conn = new WsConnection(wsOver(socket));
    conn.write({ text: 'a', more: ['b', 'c'], frame: null });
    await nextTick();
    expect(socket.pending).toHaveLength(1); // one write
    expect(conn.queuedFrames).toBe(3);
    socket.take(1);
    expect(conn.queuedFrames).toBe(0);
  });
});

describe('hub: maxQueuedFrames', () => {
  const route = (maxQueuedFrames?: number): AnySocketRoute => ({
    protocol: 'barertc',
    match: () => null,
    maxPayload: 1024,
    slowConsumerCloseCode: 1008,
    slowConsumerCloseReason: 'connection too slow to keep up with messages',
    ...(maxQueuedFrames === undefined ? {} : { maxQueuedFrames }),
    accept: async () => ({ reject: { status: 404, contentType: 'text/plain', body: '' } }),
    encode: (event: DomainEvent) => (event.type === 'message.created' ? event.message.text : null),
  }) as AnySocketRoute;
  const audience = { conversationId: toConversationId(1), kind: 'room' as const, memberIds: [] };
  const author = { id: toUserId(9), username: 'zed', displayName: 'Zed' };
  const line = (text: string): DomainEvent => ({
    type: 'message.created',
    audience,
    message: { id: toMessageId(1), conversationId: audience.conversationId, authorId: author.id, text, format: 'plain', replyToId: null, clientId: null, createdAt: 0, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null },
    author,
  });

  it('closes a session once the limit of queued frames is reached, with the route reason; without a limit, bytes alone count', () => {
    const hub = createHub({ logger: pino({ level: 'silent' }), maxBufferedBytes: 1_000_000, authTimeoutMs: 30_000 });
    const limited = Object.assign(new FakeTransport(), { queuedFrames: 7 });
    const unlimited = Object.assign(new FakeTransport(), { queuedFrames: 1000 });
    hub.open(limited, route(8), undefined).subscribe(toConversationId(1));
    hub.open(unlimited, route(), undefined).subscribe(toConversationId(1));
    hub.deliver(line('a'));
    expect(limited.texts).toEqual(['a']);
    expect(limited.closes).toEqual([]);
    limited.queuedFrames = 8;
    hub.deliver(line('b'));
    expect(limited.texts).toEqual(['a']);
    expect(limited.closes).toEqual([{ code: 1008, reason: 'connection too slow to keep up with messages' }]);
    expect(unlimited.texts).toEqual(['a', 'b']);
    hub.stop();
  });
});
