import { randomBytes } from 'node:crypto';
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyReply, RouteHandlerMethod } from 'fastify';
import type { DocumentedRoute } from './route-docs.js';

/*
 * What the protocols' routes need for the web's security rules: the script nonce their HTML pages
 * carry (the app's helmet policy, http/security-headers.ts, allows only scripts with it), and CORS
 * through @fastify/cors in the scopes whose original answered with CORS headers.
 */

/**
 * The per-answer nonce a page's inline `<script>` elements carry (`<script nonce="…">`). An app
 * without registerHtmlSecurityHeaders (a test mounting one protocol) sends no policy; its pages
 * get a fresh nonce all the same, so they are built alike.
 */
export function scriptNonce(reply: FastifyReply): string {
  return (reply.cspNonce as FastifyReply['cspNonce'] | null)?.script ?? randomBytes(16).toString('hex');
}

/** The one OPTIONS route a CORS scope serves (see registerCors). */
export interface PreflightRoute {
  readonly url: string;
  readonly docs: DocumentedRoute;
  /** Answers the OPTIONS requests the plugin does not answer as preflights; by default they are unknown paths. */
  readonly handler?: RouteHandlerMethod;
}

/**
 * Registers @fastify/cors on `scope` (an encapsulated scope holding only the routes the original
 * protocol answered with CORS headers), with options fixed or computed per request.
 *
 * The plugin always adds a catch-all `OPTIONS *` route to its scope, preflight or not. Fastify's
 * router is shared by every scope, so in our prefix-less protocol scopes that route would take
 * every other path's OPTIONS request, and each protocol answers those its own way. Its
 * registration is therefore narrowed here, as Fastify lets onRoute hooks do, to the one path that
 * answers OPTIONS in the original (`preflight.url`), with that route's documentation for the API
 * documents, and optionally the handler that path's non-preflight OPTIONS requests had.
 */
export async function registerCors(scope: FastifyInstance, options: FastifyCorsOptions, preflight: PreflightRoute): Promise<void> {
  let narrowed = false;
  scope.addHook('onRoute', (route) => {
    if (narrowed || route.method !== 'OPTIONS' || !route.url.endsWith('*')) return;
    narrowed = true;
    Object.assign(route, { url: preflight.url, path: preflight.url, ...preflight.docs });
    if (preflight.handler) route.handler = preflight.handler;
  });
  await scope.register(fastifyCors, { ...options, hideOptionsRoute: false });
  // The plugin puts `Content-Length: 0` on its 204 preflight answers (for old Safari); RFC 9110
  // §8.6 forbids it there, and the originals never sent it: a client sees the answer unchanged.
  scope.addHook('onSend', (_req, reply, payload, done) => {
    if (reply.statusCode === 204) reply.removeHeader('content-length');
    done(null, payload);
  });
  if (!narrowed) throw new Error('@fastify/cors registered no OPTIONS route to narrow');
}
