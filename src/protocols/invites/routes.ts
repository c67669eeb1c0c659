import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import type { Logger } from '../../logger.js';
import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { Invite } from '../../core/model/invite.js';
import { documented } from '../route-docs.js';
import { invitesDocs } from './openapi.js';
import { errorPage, expiredPage, invitePage, registerPage, successPage } from './pages.js';

/**
 * One part of an `xmpp:` URI, percent-encoded as UTF-8 (RFC 3986 §2.1, RFC 5122 §2.3): only
 * unreserved characters and `!()*` stay as they are, so a name can neither leave ASCII nor add
 * delimiters (`@`, `?`, `;`, `>`, …) to the URI or to a header that carries it (issue #8).
 */
const uriPart = (s: string): string => encodeURIComponent(s).replace(/'/g, '%27');

/**
 * The invite's URI in Prosody's forms (reference §3.5), with our domain and usernames
 * percent-encoded (decoding it gives the names back): kept as an opaque string for the page's
 * `Link` header and `<link>`; nothing here dereferences it. Always ASCII, without `<`, `>`,
 * quotes or spaces.
 */
export function inviteUri(invite: Invite, domain: string, inviter: string | null): string {
  const token = uriPart(invite.token);
  if (invite.kind === 'contact' && inviter) return `xmpp:${uriPart(inviter)}@${uriPart(domain)}?roster;preauth=${token};ibr=y`;
  const who = invite.username ? `${uriPart(invite.username)}@${uriPart(domain)}` : uriPart(domain);
  return `xmpp:${who}?register;preauth=${token}`;
}

/**
 * A raw query string (ASCII: Node refuses anything else in a request line) as a valid URI query
 * for a `Location` header (RFC 3986 §3.4): characters a query may not hold, `#` and stray `%` are
 * percent-encoded; existing escapes are kept, so the page gets the same query back.
 */
const asQuery = (q: string): string => q.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/g, (c) => (c === '%' ? '%25' : encodeURIComponent(c)));

/**
 * The CORS headers Prosody's HTTP server puts on every answer of this route (reference §4).
 * Hand-written, not @fastify/cors (issue 12 item 7): Prosody sends the preflight headers
 * (methods, headers, max-age) on every answer, not only on preflights, answers OPTIONS with 200,
 * and sends no `Vary: Origin`; the plugin adds the preflight headers to preflights only and
 * `Vary: Origin` to every answer whose origin it echoes, so it would change what clients see.
 */
function cors(req: FastifyRequest): Record<string, string> {
  const origin = req.headers.origin;
  // An origin is serialized in visible ASCII (RFC 6454 §6.2); anything else counts as none rather
  // than be echoed into the header.
  return {
    'access-control-allow-origin': typeof origin === 'string' && /^[\x21-\x7e]+$/.test(origin) ? origin : '*',
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
export function invitesRoutes(deps: { core: Core; publicUrl: () => string; domain: string; logger: Logger }) {
  const { core, domain } = deps;
  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  return async function routes(app: FastifyInstance): Promise<void> {
    // The one place this surface's errors become answers: small HTML pages titled with the status
    // text (reference §4). Unreadable bodies (over the limit: 413, with the connection closed as
    // the rest is never read) are the client's and not logged; anything else is logged, then 500.
    app.setErrorHandler((err: FastifyError, _req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') reply.header('connection', 'close');
      const status = err.code?.startsWith('FST_') && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) deps.logger.error({ err }, 'invites request failed');
      return html(reply, status, errorPage(STATUS_CODES[status] ?? 'Error'));
    });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));

    /** GET /invite?<token> — the whole query string is the token (§6); a bad one is still 200. */
    app.get('/invite', documented('invites', invitesDocs.invite), async (req, reply) => {
      const token = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
      const invite = await core.invites.valid(token);
      if (!invite) return html(reply, 200, expiredPage());
      const inviter = invite.inviterId === null ? null : (await core.users.findById(invite.inviterId))?.username ?? null;
      const uri = inviteUri(invite, domain, inviter);
      // RFC 8288: exactly one link; inviteUri is ASCII and holds no `>`, so the value is valid.
      reply.header('link', `<${uri}>; rel="alternate"`);
      // The QR code moves this page to a phone (§6); drawn here as inline SVG, no external assets.
      const qr = await QRCode.toString(`${deps.publicUrl()}/invite?${invite.token}`, { type: 'svg', margin: 1 });
      return html(reply, 200, invitePage(domain, inviter, `register?t=${encodeURIComponent(invite.token)}`, uri, qr));
    });

    /** GET /register?t=<token> — the form (§7.1); a bad token goes back to the invite page. */
    app.get('/register', documented('invites', invitesDocs.registerPage), async (req, reply) => {
      const query = req.query as Record<string, unknown>;
      const token = typeof query['t'] === 'string' ? query['t'] : '';
      const invite = await core.invites.valid(token);
      const original = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
      if (!invite) return reply.code(303).header('location', `invite?${asQuery(original)}`).send('');
      return html(reply, 200, registerPage(domain, domain, invite.token, { fixedUsername: invite.username }));
    });

    /** POST /register — create the account (§7.2–§7.3); refusals re-render the form (200). */
    app.post('/register', documented('invites', invitesDocs.register), async (req, reply) => {
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
      const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
      const token = field('token');
      const invite = await core.invites.valid(token);
      if (!invite) return reply.code(303).header('location', `invite?${encodeURIComponent(token)}`).send('');
      try {
        // Not trimmed: nodeprep refuses white space, so ` alice` is refused as Prosody does, never
        // quietly turned into another name (issue 8, defect 11).
        const user = await core.invites.register(token, { username: field('user'), password: field('password') });
        return reply
          .headers({ 'cache-control': 'no-cache, no-store, must-revalidate', pragma: 'no-cache', expires: '0' })
          .code(200).type('text/html; charset=utf-8')
          .send(successPage(domain, `${user.username}@${domain}`, field('password')));
      } catch (e) {
        const err = toChatError(e);
        if (err.code === 'TOKEN_EXPIRED') return reply.code(303).header('location', `invite?${encodeURIComponent(token)}`).send('');
        if (err.code === 'INTERNAL') {
          // §7.2 step 8: the page shows a short id that is logged with the real error.
          const id = randomBytes(4).toString('hex');
          deps.logger.error({ err: e, id }, 'registration failed');
          return html(reply, 500, registerPage(domain, domain, token, { fixedUsername: invite.username, error: `An unknown error has occurred (${id})`, user: field('user') }));
        }
        return html(reply, 200, registerPage(domain, domain, token, { fixedUsername: invite.username, error: err.message, user: field('user') }));
      }
    });

    app.get('/invites_api', documented('invites', invitesDocs.create), async (req, reply) => {
      const key = keyOf(req);
      const keyId = key === null ? null : await core.apiKeys.check(key);
      if (keyId === null) return forbidden(req, reply);
      const invite = await core.invites.createAccount({ source: `api/token/${keyId}` });
      const location = `${deps.publicUrl()}/invite?${invite.token}`;
      // `redirect` with any value sends a browser straight to the new invite.
      const redirect = Object.hasOwn(req.query as object, 'redirect');
      return reply.code(redirect ? 303 : 201).headers({ ...cors(req), location }).send('');
    });
    app.options('/invites_api', documented('invites', invitesDocs.preflight), async (req, reply) => reply.code(200).headers(cors(req)).send(''));
  };
}
