/** TrueConf bot set-up for benches: token, one authenticated socket, requests (reference/trueconf.md §1, §6). */
import WebSocket from 'ws';

/** A bot socket that sends requests and acknowledges the server's own requests (events). */
export interface BenchBot {
  request(method: string, payload?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): void;
}

/** `POST /bridge/api/client/v1/oauth/token` with the password grant (§6.1); resolves to the JWT. */
export async function trueconfToken(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/bridge/api/client/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'chat_bot', grant_type: 'password', username, password }),
  });
  const body = (await res.json()) as { access_token?: unknown };
  if (res.status !== 201 || typeof body.access_token !== 'string') throw new Error(`oauth/token: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Open `/websocket/chat_bot` and `auth` with `token`. */
export async function connectBot(baseUrl: string, token: string): Promise<BenchBot> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/websocket/chat_bot`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (p: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: number; id: number; method?: string; payload?: Record<string, unknown> };
    if (frame.type === 1) return ws.send(JSON.stringify({ type: 2, id: frame.id })); // an event: acknowledge it
    const waiter = pending.get(frame.id);
    pending.delete(frame.id);
    const payload = frame.payload ?? {};
    if (typeof payload['errorCode'] === 'number' && payload['errorCode'] !== 0) waiter?.reject(new Error(`errorCode ${payload['errorCode']}`));
    else waiter?.resolve(payload);
  });
  const bot: BenchBot = {
    request: (method, payload = {}) => new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ type: 1, id, method, payload }));
    }),
    close: () => ws.close(),
  };
  await bot.request('auth', { token, tokenType: 'JWT' });
  return bot;
}
