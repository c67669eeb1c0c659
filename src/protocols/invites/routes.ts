import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';

/** The CORS headers Prosody's HTTP server puts on every answer of this route (reference §4). */
function cors(req: FastifyRequest): Record<string, string> {
  const origin = req.headers.origin;
  return {
    'access-control-allow-origin': typeof origin === 'string' && origin !== '' ? origin : '*',
    'access-control-allow-methods': 'OPTIONS, GET',
    'access-control-allow-headers': 'Content-Type',
    'access-control-max-age': '7200',
  };
}

const forbidden = (req: FastifyRequest, reply: FastifyReply) =>
  reply.code(403).headers(cors(req)).type('text/html; charset=utf-8')
    .send('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Forbidden</title></head><body><h1>Forbidden</h1></body></html>\n');

/**
 * The key of a request: `Authorization: Bearer <key>` when that header is present (then used
 * exclusively: any other scheme is no key at all), else `?key=` (reference §4).
 */
function keyOf(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (auth !== undefined) return /^Bearer [^\s]+$/.test(auth) ? auth.slice(7) : null;
  const key = (req.query as Record<string, unknown>)['key'];
  return typeof key === 'string' ? key : null;
}

/** `GET /invites_api` (reference/prosody-invites.md §4): an API key creates an account invite. */
export function invitesRoutes(deps: { core: Core; publicUrl: () => string }) {
  const { core } = deps;
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/invites_api', async (req, reply) => {
      const key = keyOf(req);
      const keyId = key === null ? null : await core.apiKeys.check(key);
      if (keyId === null) return forbidden(req, reply);
      const invite = await core.invites.createAccount({ source: `api/token/${keyId}` });
      const location = `${deps.publicUrl()}/invite?${invite.token}`;
      // `redirect` with any value sends a browser straight to the new invite.
      const redirect = Object.hasOwn(req.query as object, 'redirect');
      return reply.code(redirect ? 303 : 201).headers({ ...cors(req), location }).send('');
    });
    app.options('/invites_api', async (req, reply) => reply.code(200).headers(cors(req)).send(''));
  };
}
