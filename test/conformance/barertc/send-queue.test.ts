import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { BareClient, type BareFrame } from './barertc-client.js';

// reference/barertc.md §4.1: a client whose outbound queue exceeds [Timings].SendQueueSize
// messages is closed with 1008 "connection too slow to keep up with messages". Parley counts the
// frames its socket could not hand to the kernel (live.ts, ws-connection.ts), so the queue fills
// only once the TCP buffers between server and client are full: the test sends rounds of large
// lines to a client that stops reading, doubling a round until one overflows the buffers.

let node: TestNode;
beforeAll(async () => {
  // The byte cap (gateway.max_buffered_bytes) out of the way, so only the frame count can close.
  node = await startNode({ settings: testSettings(`${NO_RATE_LIMITS}\n[gateway]\nmax_buffered_bytes = 1073741824\n\n[barertc.Timings]\nPresenceWarmupSeconds = 0\nWhoWarmupSeconds = 0\nSendQueueSize = 8\n`) });
});
afterAll(() => node.stop());

const rawSocket = (c: BareClient) => (c.socket.ws as unknown as { _socket: Socket })._socket;
const LINE = 'x'.repeat(60_000);

describe('SendQueueSize', () => {
  it('closes a client that stops reading with 1008 once its queue overflows', async () => {
    const { client: slow } = await BareClient.guest(node.wsUrl, 'slowpoke');
    const { client: talker } = await BareClient.guest(node.wsUrl, 'talker');
    const lineOf = (marker: string) => (f: BareFrame) => f.action === 'message' && typeof f['message'] === 'string' && f['message'].startsWith(`<p>${marker} `);
    let closed: { code: number; reason: string } | null = null;
    void slow.socket.closed.then((c) => (closed = c));
    for (let round = 0, lines = 64; round < 6 && closed === null; round++, lines *= 2) {
      rawSocket(slow).pause();
      for (let i = 0; i < lines; i++) talker.send({ action: 'message', channel: 'lobby', message: `r${round}-${i} ${LINE}` });
      // The talker's echo of the last line: the server has written (or refused) it to the slow client too.
      await talker.next(lineOf(`r${round}-${lines - 1}`), 60_000);
      rawSocket(slow).resume();
      // Either the whole round arrives, or the backlog and then the close.
      const last = slow.next(lineOf(`r${round}-${lines - 1}`), 60_000).then(() => 'read' as const, () => 'not read' as const);
      const outcome = await Promise.race([slow.socket.closed.then(() => 'closed' as const), last]);
      if (outcome === 'closed') break;
      expect(outcome).toBe('read');
    }
    expect(await slow.socket.closed).toStrictEqual({ code: 1008, reason: 'connection too slow to keep up with messages' });
    // The talker keeps its socket and sees the slow client leave.
    await talker.next((f) => f.action === 'presence' && f['username'] === 'slowpoke' && f['message'] === 'has exited the room!', 10_000);
    await talker.close();
  }, 120_000);
});
