import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply } from 'fastify';
import helmet from 'helmet';

/*
 * Security headers on HTML pages (issue 12 item 7); the protocols' side (script nonces, CORS
 * through @fastify/cors) is protocols/web-security.ts.
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
  if (isHtml(contentType)) listenerHelmet(req, res, () => undefined);
}

/** Built once: the ChatCLI listener's pages carry no script, so their policy never changes. */
const listenerHelmet = helmet(htmlPolicy(null) as Parameters<typeof helmet>[0]);
