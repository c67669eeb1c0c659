import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startNode, testSettings, type TestNode } from '../helpers/start-node.js';
import { connect, TestSocket } from '../helpers/ws-client.js';

// The gateway's own rules (DESIGN.md "Gateway", "Slow consumers"), seen through connor sockets.
let node: TestNode | undefined;
afterEach(async () => {
  await node?.stop();
  node = undefined;
});

describe('gateway', () => {
  it('answers 404 to an upgrade on a path no protocol owns', async () => {
    node = await startNode();
    const err = (await new TestSocket(`${node.wsUrl}/nowhere`).opened.catch((e: unknown) => e)) as { status: number };
    expect(err.status).toBe(404);
  });

  it('drops a peer that stops answering pings and keeps one that answers', async () => {
    node = await startNode({ settings: testSettings('[gateway]\nping_interval_ms = 100\n') });
    const url = `${node.wsUrl}/api/v1/rooms/ping/messages/ws`;
    const silent = new WebSocket(url, { autoPong: false });
    const healthy = await connect(url);
    const pings: number[] = [];
    healthy.ws.on('ping', () => pings.push(Date.now()));
    const code = await new Promise<number>((resolve) => silent.once('close', (c) => resolve(c)));
    expect(code).toBe(1006); // terminated, no close frame
    // The healthy socket has answered several pings meanwhile and is still open.
    while (pings.length < 4) await new Promise((r) => healthy.ws.once('ping', r));
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    healthy.close();
  });
});
