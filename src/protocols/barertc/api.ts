import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registerCors } from '../web-security.js';
import { toChatError } from '../../core/errors.js';
import { withRetryAfter } from '../retry-after.js';
import { documented } from '../route-docs.js';
import { BARERTC_ERRORS } from './errors.js';
import { adminRoutes } from './api-admin.js';
import { API_BODY_LIMIT, ApiFailure, Body, failure, jsonType, onlineEntries, sendAnswer, type ApiContext, type ApiHandler, type BarertcApiOptions } from './api-common.js';
import { userRoutes } from './api-user.js';
import { REFRESH_TTL_SECONDS, signBarertcJwt, verifyBarertcJwt } from './jwt.js';
import { barertcApiDocs, barertcApiOtherMethodDocs, barertcDocs } from './openapi.js';
import type { BarertcSettings } from './settings.js';
import type { Webhooks } from './webhooks.js';
import { Video } from './wire.js';

export type { ApiSettings, BarertcApiOptions } from './api-common.js';

/** Every method, so a wrong one gets BareRTC's 400 rather than a 404 (HEAD follows GET). */
const ANY_METHOD = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
/** The methods but POST: registered apart only so that POST alone documents a body (GET may not). */
const NOT_POST = ANY_METHOD.filter((m) => m !== 'POST');

/** `application/json`, also with parameters (`; charset=utf-8`): our choice, §2.1. */
const isJson = (contentType: string | undefined): boolean => contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());

/** §2.1: method, content type, JSON body, then the handler; refusals in BareRTC's shape, never a stack trace. */
async function run(ctx: ApiContext, handler: ApiHandler, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (req.method !== 'POST') return sendAnswer(reply, failure(400, 'Only POST methods allowed'));
  if (!isJson(req.headers['content-type'])) return sendAnswer(reply, failure(400, 'Only application/json content-types allowed'));
  let raw: unknown;
  try {
    raw = JSON.parse(typeof req.body === 'string' ? req.body : '');
  } catch (e) {
    // The parser's own words, cut short: it may quote the body.
    return sendAnswer(reply, failure(400, (e instanceof Error ? e.message : 'invalid JSON').slice(0, 160)));
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return sendAnswer(reply, failure(400, `json: cannot unmarshal ${jsonType(raw)} into Go value of type struct`));
  try {
    return sendAnswer(reply, await handler(ctx, new Body(raw as Record<string, unknown>)));
  } catch (e) {
    if (e instanceof ApiFailure) return sendAnswer(reply, failure(e.status, e.message));
    const err = toChatError(e);
    if (err.code === 'INTERNAL') {
      ctx.logger.error({ err: e }, 'barertc api request failed');
      return sendAnswer(reply, failure(500, 'Internal server error'));
    }
    return sendAnswer(withRetryAfter(reply, err), failure(BARERTC_ERRORS[err.code], err.message));
  }
}

/**
 * BareRTC's JSON web API (reference/barertc.md §2): the admin endpoints (AdminAPIKey in the body)
 * and the user endpoints (a JWT in the body), in a scope of their own whose body parser keeps the
 * raw text, so the §2.1 checks run in BareRTC's order and answer in its shape.
 */
export function barertcApiRoutes(ctx: ApiContext) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: API_BODY_LIMIT }, (_req, body, done) => done(null, body));
      scope.setErrorHandler((err: { statusCode?: number }, _req, reply) => {
        const status = err.statusCode ?? 500;
        if (status >= 500) ctx.logger.error({ err }, 'barertc api request failed');
        return sendAnswer(reply, failure(status, status === 413 ? 'Request body is too large' : status < 500 ? 'Bad request' : 'Internal server error'));
      });
      const routes: Record<string, ApiHandler> = { ...adminRoutes, ...userRoutes };
      for (const [url, handler] of Object.entries(routes)) {
        const docs = barertcApiDocs[url];
        if (!docs) throw new Error(`barertc: the web API route ${url} has no documentation in openapi.ts`);
        scope.route({ method: 'POST', url, ...documented('barertc', docs), handler: (req, reply) => run(ctx, handler, req, reply) });
        scope.route({ method: NOT_POST, url, ...documented('barertc', barertcApiOtherMethodDocs(url)), handler: (req, reply) => run(ctx, handler, req, reply) });
      }
      // /api/statistics alone has CORS (§2.1), so it has a scope of its own for the plugin's hook.
      await scope.register(async (cors) => {
        const docs = documented('barertc', barertcDocs.statistics);
        const handler = (req: FastifyRequest, reply: FastifyReply) => statistics(ctx, req, reply);
        await registerCors(cors, { delegator: (req, done) => done(null, statisticsCors(ctx, req)) }, { url: '/api/statistics', docs, handler });
        // OPTIONS is the plugin's route, narrowed to this path and given this handler (web-security.ts).
        cors.route({ method: ANY_METHOD.filter((m) => m !== 'OPTIONS'), url: '/api/statistics', ...docs, handler });
      });
    });
  };
}

/**
 * The CORS answer of /api/statistics (our choice, §2.1), decided per request since CORSHosts can
 * change at run time: `Vary: Origin` always (the plugin adds it to every answer of a delegated
 * policy); an origin in CORSHosts, matched exactly, is echoed, and its preflight (OPTIONS with
 * Access-Control-Request-Method) gets a 204 with the methods, the asked headers (else
 * Content-Type) and a max-age. Another origin gets no CORS header at all, and its preflight
 * reaches the handler, which answers it with the same bare 204.
 */
function statisticsCors(ctx: ApiContext, req: FastifyRequest): FastifyCorsOptions {
  const origin = req.headers.origin;
  if (origin === undefined || !ctx.options.settings().corsHosts.includes(origin)) return { origin: false };
  const asked = req.headers['access-control-request-headers'];
  return {
    origin,
    methods: 'GET, POST, OPTIONS',
    allowedHeaders: typeof asked === 'string' && asked !== '' ? asked : 'Content-Type',
    maxAge: 600,
    // Only a real preflight is one: a plain OPTIONS request is answered like any other method.
    preflight: isPreflight(req),
    strictPreflight: false,
  };
}

const isPreflight = (req: FastifyRequest): boolean => req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;

/**
 * /api/statistics (§2.3): any method, no authentication; counts from the shared roster, so every
 * node answers alike. Its CORS headers and allowed preflights are @fastify/cors's (statisticsCors).
 */
async function statistics(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // A preflight from an origin not in CORSHosts: answered, without any CORS header.
  if (isPreflight(req)) return reply.code(204).send();
  const usernames: string[] = [];
  const cameras = { Blue: 0, Red: 0 };
  for (const [name, { entry }] of await onlineEntries(ctx.core)) {
    if (entry.status === 'hidden') continue;
    usernames.push(name);
    if ((entry.video & Video.Active) !== 0) {
      if ((entry.video & Video.NSFW) !== 0) cameras.Red++;
      else cameras.Blue++;
    }
  }
  usernames.sort();
  return sendAnswer(reply, { status: 200, body: { UserCount: usernames.length, Usernames: usernames, Cameras: cameras } });
}

/** What only the composition root has: the key, the constant-time compare, the way down. */
export interface BarertcAdmin {
  readonly adminApiKey: string;
  readonly equal: (a: string, b: string) => boolean;
  /** See BarertcApiOptions.shutdown. */
  readonly shutdown: () => void;
}

/** The API's options from the `[barertc]` settings (read per request) and the composition root's parts. */
export function barertcApiOptions(settings: () => BarertcSettings, admin: BarertcAdmin, parts: { readonly webhooks: Webhooks; readonly render: (text: string) => string | null }): BarertcApiOptions {
  return {
    ...admin,
    settings: () => {
      const s = settings();
      return { corsHosts: s.CORSHosts, jwtEnabled: s.JWT.Enabled, dmHistoryEnabled: s.DirectMessageHistory.Enabled };
    },
    signJwt: (claims) => signBarertcJwt(settings().JWT, claims, REFRESH_TTL_SECONDS),
    verifyJwt: (token) => verifyBarertcJwt(settings().JWT, token),
    webhooks: parts.webhooks,
    render: parts.render,
  };
}
