import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { BEARER_CHALLENGE, hasBearer } from './bearer.js';
import type { ParleyMetrics } from './metrics.js';

/** A listener of its own for /metrics (`metrics.listen`), kept off the public listener. */
export interface MetricsListener {
  /** http://host:port (the real port when 0 was asked). */
  readonly url: string;
  /** Stop listening and end open connections. Idempotent. */
  close(): Promise<void>;
}

const json = (body: unknown) => JSON.stringify(body);

/**
 * Serve only `GET|HEAD /metrics` on host:port: 401 with a Bearer challenge when `token` is set
 * and not presented, 404 for any other path, 405 for other methods. Rejects when it cannot
 * listen (the port taken, say).
 */
export async function startMetricsListener(options: { host: string; port: number; metrics: ParleyMetrics; token: string; logger: Logger }): Promise<MetricsListener> {
  const { metrics, token, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const headers = { 'cache-control': 'no-store' };
    const answer = (status: number, body: string, contentType = 'application/json; charset=utf-8', extra: Record<string, string> = {}) =>
      void res.writeHead(status, { ...headers, 'content-type': contentType, ...extra }).end(req.method === 'HEAD' ? undefined : body);
    if (path !== '/metrics') return answer(404, json({ message: 'Not Found' }));
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, json({ message: 'Method Not Allowed' }), undefined, { allow: 'GET, HEAD' });
    if (!hasBearer(req.headers.authorization, token)) return answer(401, json({ message: 'Unauthorized' }), undefined, { 'www-authenticate': BEARER_CHALLENGE });
    metrics.exposition().then(
      (text) => answer(200, text, metrics.contentType),
      (err: unknown) => {
        logger.error({ err }, 'metrics collection failed');
        answer(500, json({ message: 'Internal Server Error' }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}
