import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../logger.js';
import { envelope, isStrongPassword, isValidEmail, isValidUsername, resetMail, text, verificationMail, WEAK_PASSWORD } from './mapping.js';
import { documented } from '../route-docs.js';
import { chatcliDocs } from './openapi.js';
import { resetPasswordPage, subscribePage } from './pages.js';
import { answerWith, chatcliErrorHandler, fail } from './reply.js';

type Body = Record<string, unknown>;
const bodyOf = (req: FastifyRequest): Body => (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Body) : {});
const origin = (req: FastifyRequest) => ({ address: req.ip });
const HTML = 'text/html; charset=utf-8';

/**
 * Reads a GET body (Fastify parses none for GET) up to the route's body limit: the JSON object, or
 * {} when absent, not JSON, or cut off by a client that went away. Over the limit it throws
 * Fastify's own body-too-large error, which the scope's error handler answers 413. The request is
 * never destroyed mid-body: that leaves the socket open with the rest of the body unread, so the
 * answer came but the connection stalled. Instead reading stops, and the 413 closes the connection.
 */
async function rawJsonBody(req: FastifyRequest): Promise<Body> {
  const limit = req.routeOptions.bodyLimit;
  if (Number(req.headers['content-length']) > limit) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  if (req.raw.readableEnded) return {};
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.raw.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
      req.raw.pause();
    };
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    }
    function onEnd(): void {
      stop();
      resolve(Buffer.concat(chunks, size));
    }
    function onGone(): void {
      stop();
      resolve(Buffer.alloc(0));
    }
    req.raw.on('data', onData).once('end', onEnd).once('error', onGone).once('close', onGone);
  });
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : {};
  } catch {
    return {};
  }
}

/**
 * The account routes and pages of ChatCLI (reference/chatcli.md §5.1–§5.8). Their bodies are
 * parsed leniently, as the original's `get_json(silent=True)`: anything unparseable is `{}` and
 * then fails validation with the route's own message.
 */
export function userRoutes(deps: { core: Core; logger: Logger; publicUrl: () => string }) {
  const { core, logger, publicUrl } = deps;
  const answer = answerWith(logger);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(null, {});
      }
    });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    app.addContentTypeParser('*', (_req, _payload, done) => done(null, {}));
    app.setErrorHandler(chatcliErrorHandler(logger));

    // The welcome page (§4) is on ChatCLI's own listener now (pages.ts listenerAnswer): `/` here is BareRTC's.

    /** GET|POST /verify-connection — health check (§5.1). */
    app.route({ method: ['GET', 'POST'], url: '/verify-connection', ...documented('chatcli', chatcliDocs.verifyConnection), handler: async (_req, reply) => reply.send(envelope(200, '', 'Server is reachable!')) });

    /** GET /subscribe — the form; POST — add the address, answered as HTML or JSON like the request (§5.2). */
    app.get('/subscribe', documented('chatcli', chatcliDocs.subscribePage), async (_req, reply) => reply.type(HTML).send(subscribePage()));
    app.post('/subscribe', documented('chatcli', chatcliDocs.subscribe), async (req, reply) => {
      const asHtml = !(req.headers['content-type'] ?? '').includes('json');
      const email = text(bodyOf(req), 'email');
      const respond = (status: number, message: string) => (asHtml
        ? reply.code(status).type(HTML).send(subscribePage(message))
        : reply.code(status).send(status === 200 ? envelope(200, '', message) : envelope(status, message)));
      if (!email || !isValidEmail(email)) return respond(400, 'Email is required!');
      try {
        await core.accounts.subscribe(email);
      } catch (e) {
        if ((e as { code?: string }).code === 'ALREADY_EXISTS') return respond(409, 'This email is already subscribed!');
        throw e;
      }
      return respond(200, 'You have successfully subscribed!');
    });

    /** GET /user/ — index text. */
    app.get('/user/', documented('chatcli', chatcliDocs.userIndex), async (_req, reply) => reply.type('text/html; charset=utf-8').send("User's index route"));

    /** POST /user/register — create or refresh an unverified account and mail a code (§5.3). */
    app.post('/user/register', documented('chatcli', chatcliDocs.register), async (req, reply) => {
      const body = bodyOf(req);
      const username = text(body, 'username');
      const password = text(body, 'password', false);
      const email = text(body, 'email');
      if (!username || !password) return fail(reply, 400, 'Username and password are required');
      if (!isValidUsername(username)) return fail(reply, 400, 'Username includes invalid characters');
      if (!email) return fail(reply, 400, 'Email is required');
      if (!isValidEmail(email)) return fail(reply, 400, 'Invalid email address');
      if (!isStrongPassword(password)) return fail(reply, 400, WEAK_PASSWORD);
      const invite = text(body, 'invite_code'); // [our choice] the later versions' field, needed in invite mode
      const signUp = () => core.invites.signUp(invite, {
        username,
        origin: origin(req),
        check: () => core.accounts.checkRegistration({ username, password }, { takeOver: true }),
        create: (held) => core.accounts.registerWithEmail({ username, email, password }, verificationMail, undefined, { revokeUnsentCode: held }),
      });
      return answer(reply, signUp, () => envelope(200, '', 'Verification email sent!'), {
        MAIL_FAILED: [500, 'Failed to send verification email'],
      });
    });

    /** POST /user/verify-email — consume the newest code (§5.4). */
    app.post('/user/verify-email', documented('chatcli', chatcliDocs.verifyEmail), async (req, reply) => {
      const body = bodyOf(req);
      const username = text(body, 'username');
      const code = text(body, 'email_token');
      if (!username || !code) return fail(reply, 400, 'Username and email_token are required');
      return answer(reply, () => core.accounts.verifyEmail(username, code, origin(req)), () => envelope(200, '', 'Email verified!'), {
        TOKEN_EXPIRED: [400, 'Invalid or expired code!'],
      });
    });

    /** POST /user/login — an access and a refresh token at the top level (§5.5). */
    app.post('/user/login', documented('chatcli', chatcliDocs.login), async (req, reply) => {
      const body = bodyOf(req);
      const username = text(body, 'username');
      const password = text(body, 'password', false);
      if (!username || !password) return fail(reply, 400, 'Username and password required');
      return answer(reply, () => core.tokens.login(username, password, origin(req)), (r) =>
        envelope(200, 'Login successful', '', { access_token: r.accessToken, refresh_token: r.refreshToken }), {
        USER_NOT_FOUND: [400, 'Username or password is incorrect!'],
      });
    });

    /** POST (and GET with a JSON body, as documented) /user/refresh-token — rotate (§5.6). */
    const refresh = async (req: FastifyRequest, body: Body, reply: import('fastify').FastifyReply) => {
      const token = text(body, 'refresh_token');
      if (!token) return fail(reply, 400, 'Refresh token required');
      return answer(reply, () => core.tokens.refresh(token, origin(req)), (r) =>
        envelope(200, 'Token refreshed', '', { access_token: r.accessToken, refresh_token: r.refreshToken }), {
        INVALID_TOKEN: [401, 'Invalid refresh token'],
        TOKEN_EXPIRED: [401, 'Refresh token expired or revoked'],
        USER_DISABLED: [401, 'Refresh token expired or revoked'],
      });
    };
    app.post('/user/refresh-token', documented('chatcli', chatcliDocs.refreshPost), async (req, reply) => refresh(req, bodyOf(req), reply));
    app.get('/user/refresh-token', documented('chatcli', chatcliDocs.refreshGet), async (req, reply) => refresh(req, await rawJsonBody(req), reply));

    /** POST /user/reset-password-request — mail a reset link (§5.8). */
    app.post('/user/reset-password-request', documented('chatcli', chatcliDocs.resetRequest), async (req, reply) => {
      const username = text(bodyOf(req), 'username');
      if (!username) return fail(reply, 400, 'Username is required');
      return answer(reply, () => core.accounts.requestPasswordReset(username, (token, user) => resetMail(publicUrl(), token, user.username), origin(req)), () =>
        envelope(200, '', 'Password reset email sent!'), {
        MAIL_FAILED: [500, 'Failed to send password reset email'],
      });
    });

    /** GET /user/reset-password?token&username — the form (§5.8; missing parameters → 400, our choice). */
    app.get('/user/reset-password', documented('chatcli', chatcliDocs.resetPage), async (req, reply) => {
      const query = req.query as Record<string, unknown>;
      const token = text(query, 'token');
      const username = text(query, 'username');
      if (!token || !username) return reply.code(400).type('text/plain; charset=utf-8').send('Missing query parameters.');
      return reply.type(HTML).send(resetPasswordPage(token, username));
    });

    /** POST /user/reset-password — form or JSON; answered in its own `{error}` / `{message}` shape (§5.8). */
    app.post('/user/reset-password', documented('chatcli', chatcliDocs.reset), async (req, reply) => {
      const body = { ...(req.query as Body), ...bodyOf(req) };
      const username = text(body, 'username');
      const token = text(body, 'token');
      const password = typeof body['password'] === 'string' ? body['password'] : '';
      const refuse = (error: string) => reply.code(400).send({ error });
      if (!username || !token) return refuse('Missing username or token');
      if (password !== (typeof body['confirm_password'] === 'string' ? body['confirm_password'] : '')) return refuse('Passwords do not match');
      if (!isStrongPassword(password)) return refuse(WEAK_PASSWORD);
      try {
        await core.accounts.resetPassword(username, token, password);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'TOKEN_EXPIRED') return refuse('Invalid or expired reset link');
        if (code === 'FORBIDDEN') return refuse('Username does not match');
        if (code === 'PASSWORD_UNACCEPTABLE') return refuse(WEAK_PASSWORD);
        throw e;
      }
      return reply.code(200).send({ message: 'Password reset successfully' });
    });
  };
}
