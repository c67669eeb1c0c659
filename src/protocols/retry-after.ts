import type { FastifyReply } from 'fastify';
import { retryAfterOf } from '../core/errors.js';

/** Give a reply to a RATE_LIMITED refusal its `Retry-After` (seconds); any other error leaves it as it is. */
export function withRetryAfter(reply: FastifyReply, err: unknown): FastifyReply {
  const seconds = retryAfterOf(err);
  return seconds === null ? reply : reply.header('retry-after', String(seconds));
}
