import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * The baseline: a bare `ws` broadcast server, no storage, no auth. Each received `{"text"}` frame
 * goes to every connected client, sender included, in connor's wire shape
 * `[{"sender":{…},"text":…,"createTime":<unix s>}]`, serialised once and sent with `ws.send`
 * per client (the broadcast pattern from ws's README). Any path, any subprotocol is accepted.
 */
export async function startBareServer(): Promise<{ url: string; size: () => number; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 512 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const sender = { id: 1, username: 'bare' };
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const { text } = JSON.parse(String(data)) as { text: string };
      const out = JSON.stringify([{ sender, text, createTime: Math.floor(Date.now() / 1000) }]);
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(out);
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
