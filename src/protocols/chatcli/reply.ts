import type { FastifyReply } from 'fastify';
import { toChatError } from '../../core/errors.js';
import type { Logger } from '../../logger.js';
import { envelope, toWireError, type Overrides } from './mapping.js';

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
      return reply.code(status).send(envelope(status, message, errorResponse));
    }
    return reply.code(200).send(ok(result));
  };
}

/** A 4xx answer in the usual envelope. */
export const fail = (reply: FastifyReply, status: number, message: string, response: unknown = ''): FastifyReply => reply.code(status).send(envelope(status, message, response));
