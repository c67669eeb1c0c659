import type { FastifyCorsOptions } from '@fastify/cors';
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import { registerCors } from '../web-security.js';
import type { Logger } from '../../logger.js';
import { documented } from '../route-docs.js';
import { withRetryAfter } from '../retry-after.js';
import { registerFileRoutes } from './file-routes.js';
import { trueconfDocs } from './openapi.js';
import { CLIENT_ID, type TrueconfTokens } from './tokens.js';

/** The version `/api/v4/server` reports: 5.5.x, which the python client accepts (§7.1). */
export const SERVER_VERSION = '5.5.6.1000';

/**
 * The CORS answers of the token and file endpoints (§6.1, §6.2): `Access-Control-Allow-Origin: *`
 * on every answer (errors too), and the token endpoint's preflight, 204 whatever the request says.
 * The server-info probes have none.
 */
const CORS: FastifyCorsOptions = { origin: '*', methods: 'POST, OPTIONS', allowedHeaders: 'content-type', strictPreflight: false };

/** RFC 6749 error body on the token endpoint (§6.1). */
const oauthError = (reply: FastifyReply, status: number, error: string, description: string) =>
  reply.code(status).send({ error, error_description: description });

/**
 * The TrueConf Bridge HTTP surface: the token endpoint, the server-info probes and the file
 * endpoints (§0, §6.1, §6.2, §7.1). Uploads are spooled in `spoolDir` while they arrive.
 */
export function trueconfRoutes(deps: { core: Core; tokens: TrueconfTokens; domain: string; logger: Logger; spoolDir: string }) {
  const { core, tokens, domain, logger, spoolDir } = deps;
  return async function routes(app: FastifyInstance): Promise<void> {
    await app.register(multipart, { limits: { fileSize: core.files.limits.maxSize ?? Number.MAX_SAFE_INTEGER, files: 2, fields: 10 } });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    app.setErrorHandler((err: FastifyError, _req, reply) => {
      // Over the body limit: the client's error, in the endpoint's OAuth shape; the rest of the body is never read.
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return oauthError(reply.header('connection', 'close'), 413, 'invalid_request', 'Request body too large');
      if (err.code?.startsWith('FST_ERR_CTP_') || err.validation) return oauthError(reply, 400, 'invalid_request', 'Malformed request body');
      // Multipart parsing failures (too many parts, a broken boundary, a cut-off body) are the client's.
      if (err.code?.startsWith('FST_') && typeof err.statusCode === 'number' && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
      if (/boundary|multipart|unexpected end/i.test(err.message)) return reply.code(400).send({ error: 'Malformed multipart body' });
      logger.error({ err }, 'trueconf request failed');
      return oauthError(reply, 500, 'server_error', 'Internal error');
    });

    // The endpoints with CORS, in their own scope: its hook does not reach the probes below.
    await app.register(async (cors) => {
      await registerCors(cors, CORS, { url: '/bridge/api/client/v1/oauth/token', docs: documented('trueconf', trueconfDocs.tokenPreflight) });

      /** POST /bridge/api/client/v1/oauth/token — password grant → 201 with a JWT (§6.1). */
      cors.post('/bridge/api/client/v1/oauth/token', documented('trueconf', trueconfDocs.token), async (req, reply) => {
        const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
        const { client_id: clientId, grant_type: grantType, username, password } = body;
        if (typeof clientId !== 'string' || typeof grantType !== 'string') return oauthError(reply, 400, 'invalid_request', 'client_id and grant_type are required');
        if (clientId !== CLIENT_ID) return oauthError(reply, 400, 'invalid_client', 'Unknown client');
        if (grantType !== 'password') return oauthError(reply, 400, 'unsupported_grant_type', 'Only the password grant is supported');
        if (typeof username !== 'string' || typeof password !== 'string' || username === '') return oauthError(reply, 400, 'invalid_request', 'username and password are required');
        let user;
        try {
          user = await core.users.authenticate(username.split('@')[0]!, password, { address: req.ip });
        } catch (e) {
          const code = toChatError(e).code;
          if (code === 'RATE_LIMITED') return oauthError(withRetryAfter(reply, e), 429, 'invalid_request', 'Too many attempts, try again later');
          if (code === 'USER_DISABLED') return oauthError(reply, 400, 'invalid_grant', 'User is disabled');
          if (code === 'BANNED') return oauthError(reply, 400, 'invalid_grant', 'User is banned');
          if (code === 'INTERNAL') throw e;
          // Unknown users get the same answer as wrong passwords: no user enumeration (§6.1).
          return oauthError(reply, 400, 'invalid_grant', 'Invalid username or password');
        }
        const { token, expiresAt } = await tokens.issue(user, `${user.username}@${domain}`);
        return reply.code(201).send({ access_token: token, token_type: 'JWT', expires_in: expiresAt - Math.floor(Date.now() / 1000), expires_at: expiresAt });
      });

      await registerFileRoutes(cors, { core, spoolDir });
    });

    /** GET /api/v4/server — version check and the domain of bare user ids (§7.1). */
    app.get('/api/v4/server', documented('trueconf', trueconfDocs.server), async (_req, reply) => reply.send({ product: { display_name: domain, version: SERVER_VERSION } }));

    /** GET /api/v4/endpoints/connects — the python client's fallback probe; must be JSON (§0). */
    app.get('/api/v4/endpoints/connects', documented('trueconf', trueconfDocs.connects), async (_req, reply) => reply.send({ connects: [] }));
  };
}
