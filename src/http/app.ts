import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { ProtocolAdapter, UpgradeRejection } from '../protocols/protocol.js';
import type { ClientAddressResolver } from './client-address.js';
import { registerApiDocs } from './openapi.js';
import { registerHtmlSecurityHeaders } from './security-headers.js';

/** Largest HTTP body any protocol accepts, checked before parsing. */
export const BODY_LIMIT_BYTES = 1_048_576;

/**
 * The HTTP application: every protocol's routes, each in its own encapsulated scope so its error
 * handler and hooks stay its own. Never listens (server.ts does), so tests can inject().
 */
export async function buildApp(options: { protocols: readonly ProtocolAdapter[]; logger: PinoLogger; clientAddress?: ClientAddressResolver; accessLog?: boolean }): Promise<FastifyInstance> {
  const clientAddress = options.clientAddress;
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Per-request log lines cost more than they tell on a chat server; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Routes are matched exactly as the originals spell them.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
    // `request.ip` is the client behind server.trusted_proxies (client-address.ts); no proxy trusted: the peer.
    trustProxy: clientAddress && !clientAddress.trustsNoProxy ? clientAddress.trust : false,
  });
  // `log.access`: one line per request, with the client's address (behind trusted proxies, the forwarded one).
  if (options.accessLog) {
    app.addHook('onResponse', (req, reply, done) => {
      // The path only: query strings carry bearer secrets (reset links' `token`, BareRTC's `?jwt=`, invite tokens).
      const path = req.url.split('?', 1)[0]!;
      const address = req.ip; // behind trusted proxies, a walk of the forwarded chain: once
      req.log.info({ event: 'access', method: req.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, address, agent: req.headers['user-agent'] }, `${address} ${req.method} ${path} ${reply.statusCode}`);
      done();
    });
  }
  // Forwarded and X-Real-IP become the X-Forwarded-For chain Fastify's request.ip walks.
  if (clientAddress && !clientAddress.trustsNoProxy) {
    app.addHook('onRequest', (req, _reply, done) => {
      clientAddress.normalize(req.raw);
      done();
    });
  }
  // First, so the API documents (/openapi.json, /asyncapi.json) see every route registered after it.
  await registerApiDocs(app, options.protocols);
  // Security headers on every HTML answer, whichever protocol, error handler or not-found page made it.
  await registerHtmlSecurityHeaders(app);
  for (const protocol of options.protocols) {
    if (protocol.routes) await app.register(protocol.routes);
  }
  // Each original answered unknown paths and wrong methods in its own way; ask the protocols.
  app.setNotFoundHandler((req, reply) => {
    const answer = notFoundAnswer(options.protocols, req.method, req.url.split('?')[0] ?? '/');
    if (answer) return reply.code(answer.status).type(answer.contentType).send(answer.body);
    return reply.code(404).send({ message: 'Not Found' });
  });
  return app;
}

/**
 * The answer of the protocol that owns `pathname` for a path or method it does not serve, or null
 * when no protocol claims it. The same for plain requests and for WebSocket upgrades.
 */
export function notFoundAnswer(protocols: readonly ProtocolAdapter[], method: string, pathname: string): UpgradeRejection | null {
  for (const protocol of protocols) {
    const answer = protocol.notFound?.(method, pathname);
    if (answer) return answer;
  }
  return null;
}
