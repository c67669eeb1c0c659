import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toChatError } from '../../core/errors.js';
import { withRetryAfter } from '../retry-after.js';
import type { Logger } from '../../logger.js';
import { envelope, toWireError, type Overrides } from './mapping.js';
import { flaskError } from './pages.js';

const HTML = 'text/html; charset=utf-8';

/**
 * Run a route's core call and answer it: `ok` builds the 200 envelope from the result; a
 * ChatError becomes the route's status and message (§3). Unknown errors are logged and answered
 * as 500 "Internal server error", never with details.
 */
export function answerWith(logger: Logger) {
  return async function answer<T>(reply: FastifyReply, call: () => Promise<T>, ok: (result: T) => unknown, overrides: Overrides = {}, errorResponse: unknown = ''): Promise<FastifyReply> {
    let result: T;
    try {
      result = await call();
    } catch (e) {
      const err = toChatError(e);
      if (err.code === 'INTERNAL') logger.error({ err: e }, 'chatcli request failed');
      const { status, message } = toWireError(err.code, err.message, overrides);
      return withRetryAfter(reply, err).code(status).send(envelope(status, message, errorResponse));
    }
    return reply.code(200).send(ok(result));
  };
}

/** A 4xx answer in the usual envelope. */
export const fail = (reply: FastifyReply, status: number, message: string, response: unknown = ''): FastifyReply => reply.code(status).send(envelope(status, message, response));

/**
 * The error handler of every ChatCLI route scope: the one place where errors thrown past a
 * handler become answers. Body failures get Flask's HTML pages, as werkzeug raises them before
 * the view runs (§3): a body over the limit → 413 (and the connection is closed, since the rest of
 * that body is never read), a refused Content-Type → 415, any other unreadable body → 400. They
 * are the client's doing, so nothing is logged. Anything else is logged and answered 500
 * "Internal server error", never with details.
 */
export function chatcliErrorHandler(logger: Logger) {
  return function onError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).header('connection', 'close').type(HTML).send(flaskError(413));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).type(HTML).send(flaskError(415));
    if (err.code?.startsWith('FST_ERR_CTP_')) return reply.code(400).type(HTML).send(flaskError(400));
    logger.error({ err }, 'chatcli request failed');
    const { status, message } = toWireError('INTERNAL', '');
    return reply.code(status).send(envelope(status, message));
  };
}
