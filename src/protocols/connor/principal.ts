import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import { toUserId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import { invalidToken } from './mapping.js';
import type { ConnorTokens } from './tokens.js';

/**
 * The acting user behind a connor JWT, on every route and the socket alike; null for a token of
 * the anonymous user (empty username, §6). A token that does not verify, whose account no longer
 * exists, or that was issued before the account's credentials were revoked is as good as a forged
 * one: INVALID_TOKEN. A disabled or banned account rejects USER_DISABLED or BANNED.
 */
export async function principalOf(core: Core, tokens: ConnorTokens, token: string): Promise<Principal | null> {
  const claimed = await tokens.verify(token);
  if (claimed.username === '') return null;
  try {
    return await core.users.principalFor(toUserId(claimed.id), claimed.generation);
  } catch (e) {
    const code = toChatError(e).code;
    throw code === 'USER_NOT_FOUND' || code === 'TOKEN_EXPIRED' ? invalidToken() : e;
  }
}
