import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, RouteHandlerMethod } from 'fastify';
import helmet from 'helmet';
import type { DocumentedRoute } from '../protocols/route-docs.js';

/*
 * Security headers on HTML pages, and CORS through @fastify/cors (issue 12 item 7).
 *
 * Headers: every `text/html` answer, whatever produced it (a route, an error handler, a protocol's
 * not-found page, ChatCLI's own listener), gets the same helmet policy. Deciding by the answer's
 * media type rather than by route is deliberate: a route may answer JSON or an HTML error page
 * (ChatCLI's Flask-style pages), and the not-found pages have no route at all. JSON and other
 * answers keep exactly the headers the original servers send: clients and the conformance tests
 * compare them.
 */

/** helmet's options as @fastify/helmet declares them (its CommonJS copy of helmet's types). */
type HtmlPolicy = NonNullable<Parameters<FastifyReply['helmet']>[0]>;

/** Which `<script>` elements a page may run: those carrying this nonce (none when null). */
function htmlPolicy(scriptNonce: string | null): HtmlPolicy {
  return {
    contentSecurityPolicy: {
      // Exactly these directives, not merged with helmet's defaults, so the policy reads here whole.
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        // Only the page's own inline scripts (BareRTC's page constants, the logout page's timer);
        // an injected <script> lacks the per-answer nonce and does not run.
        scriptSrc: scriptNonce ? [`'nonce-${scriptNonce}'`] : ["'none'"],
        // Every page styles itself with one inline <style>; nothing is loaded from elsewhere.
        styleSrc: ["'unsafe-inline'"],
        // Inline SVG (the invite QR code) needs nothing; `data:` leaves room for inline images.
        imgSrc: ["'self'", 'data:'],
        // The forms (invite sign-up, ChatCLI's subscribe and reset-password) post to this server.
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS is the TLS terminator's call (a reverse proxy, per README): set here it would pin
    // HTTPS on a host name this server may well be reached by over plain HTTP.
    strictTransportSecurity: false,
  };
}

/**
 * The per-answer nonce a page's inline `<script>` elements carry (`<script nonce="…">`). An app
 * without registerHtmlSecurityHeaders (a test mounting one protocol) sends no policy; its pages
 * get a fresh nonce all the same, so they are built alike.
 */
export function scriptNonce(reply: FastifyReply): string {
  return (reply.cspNonce as FastifyReply['cspNonce'] | null)?.script ?? randomBytes(16).toString('hex');
}

const isHtml = (contentType: unknown): boolean => typeof contentType === 'string' && /^text\/html\b/i.test(contentType);

/**
 * Registers @fastify/helmet on the application (call it before the protocols' routes, so their
 * scopes inherit the hook). The plugin is not global: its onRequest hook only prepares
 * `reply.helmet()` and the nonces; the onSend hook below applies the policy to HTML answers,
 * which is the one moment every answer's media type is known.
 */
export async function registerHtmlSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, { global: false, enableCSPNonces: true, ...htmlPolicy(null) });
  app.addHook('onSend', (_req, reply, payload, done) => {
    // `reply.helmet` is null only for an answer sent before helmet's onRequest hook ran.
    if (isHtml(reply.getHeader('content-type')) && typeof reply.helmet === 'function') reply.helmet(htmlPolicy(reply.cspNonce.script));
    done(null, payload);
  });
}

/** The same policy on a plain node:http answer (ChatCLI's own listener); pages there have no script. */
export function applyHtmlSecurityHeaders(req: IncomingMessage, res: ServerResponse, contentType: string): void {
  if (isHtml(contentType)) helmet(htmlPolicy(null) as Parameters<typeof helmet>[0])(req, res, () => undefined);
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
