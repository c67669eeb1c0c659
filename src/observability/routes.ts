import type { FastifyInstance, FastifyReply } from 'fastify';
import Type from 'typebox';
import { BEARER_CHALLENGE, hasBearer } from './bearer.js';
import type { ParleyMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';

/** What the operations routes serve; `metrics` null when metrics have a listener of their own. */
export interface OperationsRoutesOptions {
  readonly readiness: Readiness;
  readonly metrics: { readonly metrics: ParleyMetrics; readonly token: string } | null;
}

const Check = Type.String({ description: '"ok", or why the check fails: unreachable, pending, unknown, disconnected, in progress' });
const ReadinessBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  checks: Type.Object({
    database: Check,
    migrations: Check,
    redis: Type.Optional(Check),
    shutdown: Check,
  }),
});
const Message = Type.Object({ message: Type.String() });

/** The bodies are written here as JSON text, so Fastify's serializer never reshapes them. */
const sendJson = (reply: FastifyReply, status: number, body: unknown) =>
  reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));

/**
 * /healthz, /readyz and (unless they have their own listener) /metrics, for orchestrators and
 * scrapers. Registered on the main listener next to the protocols; none of them claims these paths.
 */
export function operationsRoutes(options: OperationsRoutesOptions) {
  const { readiness } = options;
  return async function routes(app: FastifyInstance): Promise<void> {
    /** GET /healthz — liveness: 200 while the process serves requests; checks no dependency. */
    app.get('/healthz', {
      schema: {
        summary: 'Liveness',
        description: 'Answers 200 while the process serves requests; no dependency is checked.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    }, async (_req, reply) => sendJson(reply, 200, { status: 'ok' }));

    /** GET /readyz — readiness: 200 when the database answers, migrations are applied, Redis (if any) is connected and no shutdown has begun; else 503. */
    app.get('/readyz', {
      schema: {
        summary: 'Readiness',
        description: 'Answers 200 when this node can take traffic; 503 naming the failing checks otherwise (also from the start of a graceful shutdown).',
        response: { 200: ReadinessBody, 503: ReadinessBody },
      },
    }, async (_req, reply) => {
      const report = await readiness.check();
      return sendJson(reply, report.status === 'ready' ? 200 : 503, report);
    });

    if (!options.metrics) return;
    const { metrics, token } = options.metrics;
    /** GET /metrics — Prometheus text exposition; `Authorization: Bearer <metrics.token>` when a token is configured. */
    app.get('/metrics', {
      schema: {
        summary: 'Prometheus metrics',
        description: 'Prometheus text exposition format (names prefixed parley_). Needs `Authorization: Bearer <token>` when metrics.token is set.',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }), 401: Message },
      },
    }, async (req, reply) => {
      if (!hasBearer(req.headers.authorization, token)) {
        return sendJson(reply.header('www-authenticate', BEARER_CHALLENGE), 401, { message: 'Unauthorized' });
      }
      const text = await metrics.exposition();
      return reply.code(200).header('cache-control', 'no-store').type(metrics.contentType).send(text);
    });
  };
}
