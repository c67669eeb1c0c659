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

describe('a batch of frames over a real socket', () => {
  it('reaches the client as separate text frames, in order, whether pre-framed or sent by ws itself', async () => {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', (ws) => resolve(ws)));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
    const got: string[] = [];
    const all = new Promise<void>((resolve) => client.on('message', (d) => { got.push(String(d)); if (got.length === 6) resolve(); }));
    const conn = new WsConnection(await serverSide);
    conn.write({ text: 'one', more: ['two', 'three'], frame: null });
    // ws busy with its own queue (as while it sends a close or a ping): the fallback sends text by text.
    const sender = (conn.ws as unknown as { _sender: { _state: number } })._sender;
    sender._state = 1;
    const send = conn.ws.send.bind(conn.ws);
    (conn.ws as unknown as { send: typeof send }).send = ((data: string, cb?: () => void) => { sender._state = 0; send(data, cb); sender._state = 1; }) as typeof send;
    conn.write({ text: 'four', more: ['five', 'six'], frame: null });
    sender._state = 0;
    await all;
    expect(got).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
    client.close();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
});
