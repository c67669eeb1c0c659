import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toConversationId, toUserId } from '../core/model/ids.js';
import type { SocketRoute } from '../protocols/protocol.js';
import { LiveConnection, type SubscriptionIndex } from './connection.js';
import { frameText } from './frame.js';

// A loopback TCP connection absorbs megabytes before a send buffer grows, so the slow-consumer
// rules are tested here against a recording stand-in for the ws object.
class RecordingWs {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly closes: { code: number | undefined; reason: string | undefined }[] = [];
  readonly flow: string[] = [];
  send(text: string) {
    this.sent.push(text);
  }
  pause() {
    this.flow.push('pause');
  }
  resume() {
    this.flow.push('resume');
  }
  close(code?: number, reason?: string) {
    this.closes.push({ code, reason });
    this.readyState = WebSocket.CLOSING;
  }
}

const route = { protocol: 'connor', slowConsumerCloseCode: 4999 } as unknown as SocketRoute;
const noIndex: SubscriptionIndex = { add() {}, remove() {}, watch() {}, unwatch() {}, identify() {}, unidentify() {}, listen() {}, unlisten() {} };
const make = (ws: RecordingWs, cap = 1000) => new LiveConnection(1, ws as unknown as WebSocket, route, noIndex, cap);

describe('LiveConnection', () => {
  it('sends while the send buffer is under the cap', () => {
    const ws = new RecordingWs();
    make(ws).sendFramed(frameText('a'), 'a', false);
    expect(ws.sent).toEqual(['a']);
  });

  it('drops ephemeral frames first when the buffer is over the cap, and keeps the socket', () => {
    const ws = new RecordingWs();
    ws.bufferedAmount = 5000;
    make(ws).sendFramed(frameText('typing'), 'typing', true);
    expect(ws.sent).toEqual([]);
    expect(ws.closes).toEqual([]);
  });

  it("closes a socket still over the cap with the protocol's slow-consumer code", () => {
    const ws = new RecordingWs();
    ws.bufferedAmount = 5000;
    make(ws).sendFramed(frameText('msg'), 'msg', false);
    expect(ws.sent).toEqual([]);
    expect(ws.closes).toEqual([{ code: 4999, reason: 'slow consumer' }]);
  });

  it('writes nothing to a socket that is not open', () => {
    const ws = new RecordingWs();
    ws.readyState = WebSocket.CLOSED;
    make(ws).send('late');
    expect(ws.sent).toEqual([]);
  });

  it('leaves every index it joined when detached', () => {
    const seen: string[] = [];
    const index: SubscriptionIndex = {
      add: (id) => seen.push(`+c${id}`),
      remove: (id) => seen.push(`-c${id}`),
      watch: (id) => seen.push(`+u${id}`),
      unwatch: (id) => seen.push(`-u${id}`),
      identify: (id) => seen.push(`+i${id}`),
      unidentify: (id) => seen.push(`-i${id}`),
      listen: () => seen.push('+b'),
      unlisten: () => seen.push('-b'),
    };
    const conn = new LiveConnection(1, new RecordingWs() as unknown as WebSocket, route, index, 1000);
    conn.subscribe(toConversationId(7));
    conn.watchUser(toUserId(3));
    conn.listenBroadcasts();
    conn.detach();
    expect(seen).toEqual(['+c7', '+u3', '+b', '-c7', '-u3', '-b']);
  });

  it('stops reading a client whose messages pile up, and reads again once they have drained', async () => {
    const ws = new RecordingWs();
    const conn = make(ws);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    for (let i = 0; i < 100; i++) conn.enqueue(() => gate, () => {});
    expect(ws.flow).toEqual(['pause']);
    release();
    await conn.drained();
    expect(ws.flow).toEqual(['pause', 'resume']);
  });

  it('skips the steps still queued once abandoned', async () => {
    const conn = make(new RecordingWs());
    const ran: number[] = [];
    conn.enqueue(() => { ran.push(1); conn.abandon(); }, () => {});
    conn.enqueue(() => { ran.push(2); }, () => {});
    await conn.drained();
    expect(ran).toEqual([1]);
  });

  it('ignores subscriptions asked for after the socket was detached', () => {
    const seen: string[] = [];
    const index: SubscriptionIndex = {
      add: (id) => seen.push(`+c${id}`), remove: () => {}, watch: (id) => seen.push(`+u${id}`), unwatch: () => {},
      identify: (id) => seen.push(`+i${id}`), unidentify: () => {}, listen: () => seen.push('+b'), unlisten: () => {},
    };
    const conn = new LiveConnection(1, new RecordingWs() as unknown as WebSocket, route, index, 1000);
    conn.detach();
    conn.subscribe(toConversationId(1));
    conn.watchUser(toUserId(2));
    conn.identify(toUserId(2));
    conn.listenBroadcasts();
    expect(seen).toEqual([]);
  });

  it('runs queued handler steps one at a time, in order', async () => {
    const conn = make(new RecordingWs());
    const order: number[] = [];
    conn.enqueue(async () => { await new Promise((r) => setTimeout(r, 5)); order.push(1); }, () => {});
    conn.enqueue(() => { order.push(2); }, () => {});
    await conn.drained();
    expect(order).toEqual([1, 2]);
  });
});

describe('frameText', () => {
  it('builds the same bytes ws would send for a short and a long text', () => {
    for (const text of ['hi', 'x'.repeat(300), 'y'.repeat(70_000)]) {
      const frame = frameText(text);
      const len = Buffer.byteLength(text);
      expect(frame[0]).toBe(0x81); // FIN + text opcode
      const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
      expect(frame.length).toBe(header + len);
      expect(frame.subarray(header).toString()).toBe(text);
    }
  });
});
