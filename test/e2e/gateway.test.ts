import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
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

  it('survives upgrade requests with odd targets and refuses them', async () => {
    node = await startNode();
    const { port } = new URL(node.url);
    for (const target of ['//', '//[', '//a:b', '/api/v1/rooms/%E0%A4%A/messages/ws']) {
      const reply = await rawUpgrade(Number(port), target);
      expect(reply).toMatch(/^HTTP\/1\.1 (400|404)/);
    }
    const res = await fetch(`${node.url}/api/v1/login`, { method: 'POST' });
    expect(res.status).toBe(400); // still serving
  });

  it('refuses an upgrade without the WebSocket handshake headers before the protocol sees it', async () => {
    node = await startNode();
    const { port } = new URL(node.url);
    const reply = await rawUpgrade(Number(port), '/api/v1/rooms/never-created/messages/ws', false);
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(await node.server.core.conversations.listForUser(1 as never)).toEqual([]);
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

/** Send a raw upgrade request and resolve with the whole reply. */
function rawUpgrade(port: number, target: string, withKey = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n${withKey ? 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' : ''}\r\n`);
    });
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('end', () => resolve(data));
    sock.on('close', () => resolve(data));
    sock.on('error', reject);
  });
}

describe('shutdown', () => {
  it('commits every message a client sent before it hung up, even when the node stops right after', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'parley-drain-'));
    try {
      const first = await startNode({ dir, settings: testSettings('[rate_limits]\nenabled = false\n') });
      const body = JSON.stringify({ username: 'drainer', secret: 'pw' });
      const headers = { 'content-type': 'application/json' };
      await fetch(`${first.url}/api/v1/users`, { method: 'POST', headers, body });
      const { data } = (await (await fetch(`${first.url}/api/v1/login`, { method: 'POST', headers, body })).json()) as { data: { token: string } };
      const writer = await connect(`${first.wsUrl}/api/v1/rooms/drain/messages/ws`, data.token);
      for (let i = 0; i < 1000; i++) writer.send(JSON.stringify({ text: `m${i}` }));
      writer.close();
      await writer.closed;
      await first.stop();

      const again = await startNode({ dir });
      try {
        const room = await again.server.core.conversations.openRoom('drain');
        const user = await again.server.core.users.findByUsername('drainer');
        const page = await again.server.core.messages.history({ id: user!.id, username: 'drainer', displayName: 'drainer' }, room.id, { limit: 1000 });
        expect(page.messages.map((m) => m.text)).toEqual(Array.from({ length: 1000 }, (_, i) => `m${i}`));
      } finally {
        await again.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
