import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../logger.js';
import { envelope, isStrongPassword, text, WEAK_PASSWORD } from './mapping.js';
import { documented } from '../route-docs.js';
import { chatcliDocs } from './openapi.js';
import { answerWith, chatcliErrorHandler, fail } from './reply.js';

type Body = Record<string, unknown>;
const bodyOf = (req: FastifyRequest): Body => (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Body) : {});

/** The access token: `session_token` in the body, as the chat routes take it, or `Authorization: Bearer`. */
function tokenOf(req: FastifyRequest): string {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  return text(bodyOf(req), 'session_token') ?? '';
}

/**
 * Ending sessions and changing the password: routes of ChatCLI's later versions
 * (reference/chatcli.md §9), served because a user expects them. Each ends sessions on every
 * door and node: the tokens are revoked and open sockets closed.
 */
export function sessionRoutes(deps: { core: Core; logger: Logger }) {
  const { core, logger } = deps;
  const answer = answerWith(logger);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(chatcliErrorHandler(logger));

    /** POST /user/logout — end this login (its token family). */
    app.post('/user/logout', documented('chatcli', chatcliDocs.logout), async (req, reply) =>
      answer(reply, () => core.tokens.logout(tokenOf(req)), () => envelope(200, 'Logged out successfully!')));

    /** POST /user/logout-all — end every login of the account. */
    app.post('/user/logout-all', documented('chatcli', chatcliDocs.logoutAll), async (req, reply) =>
      answer(reply, async () => {
        const user = await core.tokens.authenticate(tokenOf(req));
        await core.tokens.revokeAll(user.id, 'sessions');
      }, () => envelope(200, 'Logged out from all devices!')));

    /** POST /user/change-password — `old_password`, `new_password`; every session ends, this one too. */
    app.post('/user/change-password', documented('chatcli', chatcliDocs.changePassword), async (req, reply) => {
      const body = bodyOf(req);
      const current = text(body, 'old_password');
      const next = text(body, 'new_password');
      if (!current || !next) return fail(reply, 400, 'Missing required fields!');
      if (!isStrongPassword(next)) return fail(reply, 400, WEAK_PASSWORD);
      return answer(reply, () => core.accounts.changePassword(tokenOf(req), current, next, { address: req.ip }), () => envelope(200, 'Password changed successfully! Please log in again.'), {
        PASSWORD_MISMATCH: [400, 'Old password is incorrect!'],
      });
    });
  };
}
