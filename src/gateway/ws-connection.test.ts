import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from './frame.js';
import { WsConnection } from './ws-connection.js';

// The inbound queue and close rules of a ws transport, against a recording stand-in for the ws
// object (the hub's slow-consumer rules are tested in src/hub/hub.test.ts).
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

const make = (ws: RecordingWs) => new WsConnection(ws as unknown as WebSocket);

describe('WsConnection', () => {
  it('writes text through ws when it has no raw socket, and reports open only while OPEN', () => {
    const ws = new RecordingWs();
    const conn = make(ws);
    conn.write({ text: 'a', frame: null });
    expect(ws.sent).toEqual(['a']);
    expect(conn.isOpen).toBe(true);
    ws.readyState = WebSocket.CLOSING;
    expect(conn.isOpen).toBe(false);
  });

  it('closes once: a second close while closing sends nothing more', () => {
    const ws = new RecordingWs();
    const conn = make(ws);
    conn.close(1008, 'bye');
    conn.close(1000, 'again');
    expect(ws.closes).toEqual([{ code: 1008, reason: 'bye' }]);
  });

  it('marks a socket the server closed, so late frames are not acted on, but not one closed for shutdown', () => {
    const ended = make(new RecordingWs());
    ended.close(1008, 'session revoked');
    expect(ended.closedByServer).toBe(true);
    const draining = make(new RecordingWs());
    draining.shutdown(1001, 'server shutting down');
    expect(draining.closedByServer).toBe(false);
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

  it('runs queued handler steps one at a time, in order', async () => {
    const conn = make(new RecordingWs());
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    conn.enqueue(async () => { await gate; order.push(1); }, () => {});
    conn.enqueue(() => { order.push(2); }, () => {});
    release();
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
