import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scriptNonce } from '../web-security.js';
import { documented } from '../route-docs.js';
import { BarertcJwtError, verifyBarertcJwt } from './jwt.js';
import { barertcDocs } from './openapi.js';
import { aboutPage, chatPage, logoutPage, type ProtocolLocations } from './pages.js';
import type { BarertcSettings } from './settings.js';
import type { BarertcClaims } from './socket.js';

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';

/** What the single-sign-on entry point needs. */
export interface SsoOptions {
  /** The current `[barertc]` settings (a function, so `/reconfigure` takes effect at once). */
  readonly settings: () => BarertcSettings;
  /** The website's cached blocklist of a JWT user (`/api/blocklist`); none yet → []. */
  readonly cachedBlocklist?: (username: string) => Promise<readonly string[]>;
  readonly locations: () => ProtocolLocations;
}

/** The `jwt` parameter: a form field wins over the query string, as Go's FormValue has it. */
function tokenOf(req: FastifyRequest): string {
  const body = req.body;
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['jwt'] : undefined;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  const query = req.query as Record<string, unknown>;
  const fromQuery = query['jwt'];
  return typeof fromQuery === 'string' ? fromQuery : Array.isArray(fromQuery) && typeof fromQuery[0] === 'string' ? fromQuery[0] : '';
}

/**
 * GET|POST / (reference §2.3, §3 steps 1–2), `/about` and `/logout`, in their own scope (its form
 * parser stays its own). A token that does not verify is 403 "Error parsing your JWT token: …";
 * with JWT Enabled and Strict, no valid token is a 302 to LandingPageURL, else 403; otherwise the
 * chat page, carrying the token and its claims. Parley also refuses every token when JWT is
 * disabled or the secret is empty (so such a token is a 403 here, where BareRTC accepts it).
 */
export function ssoRoutes(options: SsoOptions) {
  return async function routes(app: FastifyInstance): Promise<void> {
    // Go's FormValue reads url-encoded forms; any other body is ignored, never a 415.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    app.addContentTypeParser('*', (_req, _payload, done) => done(null, {}));

    async function index(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const settings = options.settings();
      const token = tokenOf(req);
      let claims: BarertcClaims | null = null;
      if (token !== '') {
        try {
          claims = await verifyBarertcJwt(settings.JWT, token);
        } catch (e) {
          if (!(e instanceof BarertcJwtError)) throw e;
          return reply.code(403).type(TEXT).send(`Error parsing your JWT token: ${e.message}`);
        }
      }
      if (settings.JWT.Enabled && settings.JWT.Strict && claims === null) {
        if (settings.JWT.LandingPageURL !== '') return reply.code(302).header('location', settings.JWT.LandingPageURL).send();
        return reply.code(403).type(TEXT).send('Authentication denied. Please go back and try again.');
      }
      const blocklist = claims && options.cachedBlocklist ? await options.cachedBlocklist(claims.sub) : [];
      // The page embeds the token: it must not be cached by a shared cache or kept by the browser.
      return reply.header('cache-control', 'no-store').type(HTML).send(chatPage(settings, { token: claims ? token : '', claims, blocklist }, options.locations(), scriptNonce(reply)));
    }

    app.route({ method: ['GET', 'POST'], url: '/', ...documented('barertc', barertcDocs.index), handler: index });
    /** GET /about (§2.2). */
    app.get('/about', documented('barertc', barertcDocs.about), async (_req, reply) => reply.type(HTML).send(aboutPage(options.settings())));
    /** GET /logout (§2.2). */
    app.get('/logout', documented('barertc', barertcDocs.logout), async (_req, reply) => reply.type(HTML).send(logoutPage(scriptNonce(reply))));
  };
}
