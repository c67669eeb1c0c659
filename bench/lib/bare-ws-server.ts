import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * The baseline: a bare `ws` broadcast server, no storage, no auth. Each received `{"text"}` frame
 * goes to every connected client, sender included, in connor's wire shape
 * `[{"sender":{…},"text":…,"createTime":<unix s>}]`, serialised once and sent with `ws.send`
 * per client (the broadcast pattern from ws's README). Any path, any subprotocol is accepted.
 * With `rooms`, a socket's room is its URL path and a frame goes only to the sockets of the
 * sender's room (still serialised once, sender included): the baseline for bench:rooms.
 */
export async function startBareServer(options: { rooms?: boolean } = {}): Promise<{ url: string; size: () => number; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 512 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const sender = { id: 1, username: 'bare' };
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws, req) => {
    let members: Iterable<WebSocket> = wss.clients;
    if (options.rooms) {
      const key = req.url ?? '/';
      const room = rooms.get(key) ?? new Set<WebSocket>();
      rooms.set(key, room.add(ws));
      members = room;
      ws.once('close', () => {
        room.delete(ws);
        if (room.size === 0) rooms.delete(key);
      });
    }
    ws.on('message', (data) => {
      const { text } = JSON.parse(String(data)) as { text: string };
      const out = JSON.stringify([{ sender, text, createTime: Math.floor(Date.now() / 1000) }]);
      for (const client of members) if (client.readyState === WebSocket.OPEN) client.send(out);
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    size: () => wss.clients.size,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}
