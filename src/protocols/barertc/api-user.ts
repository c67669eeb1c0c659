import { toMessageId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import type { DirectPartnerSort } from '../../core/ports/store.js';
import { ApiFailure, ok, onlineEntries, type ApiContext, type ApiHandler, type Body } from './api-common.js';
import type { BarertcClaims } from './socket.js';
import { WebhookError } from './webhooks.js';

/** DM history page size and usernames page size, hard-coded in BareRTC (§7). */
const HISTORY_PAGE = 20;
const USERNAMES_PAGE = 9;

/** §2.3 /api/profile and the message endpoints: JWT on and a token that verifies, else 400. */
async function claimsOf(ctx: ApiContext, body: Body): Promise<BarertcClaims> {
  const token = body.str('JWTToken');
  if (!ctx.options.settings().jwtEnabled || token === '') throw new ApiFailure(400, 'JWT authentication is not available.');
  try {
    return await ctx.options.verifyJwt(token);
  } catch (err) {
    throw new ApiFailure(400, err instanceof Error ? err.message : 'The token is not valid.');
  }
}

/** The message endpoints' preconditions, in BareRTC's order: a valid JWT, online now, DM history on (§2.3). */
async function chatter(ctx: ApiContext, body: Body): Promise<Principal> {
  const claims = await claimsOf(ctx, body);
  const online = (await onlineEntries(ctx.core)).get(claims.sub);
  if (!online) throw new ApiFailure(400, 'You are not logged into the chat room.');
  if (!ctx.options.settings().dmHistoryEnabled) throw new ApiFailure(500, 'database is not initialized');
  return ctx.core.users.principalFor(online.session.userId);
}

/** RFC 3339 in whole seconds, as Go prints time.Time. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * POST /api/profile (§2.3): the website's `profile` webhook answers for a user's profile card. The
 * caller need not be online. The webhook's `Data` is returned unchanged (500 when it reports an error).
 */
const profile: ApiHandler = async (ctx, body) => {
  await claimsOf(ctx, body);
  const expected = (why: string) => new ApiFailure(500, `Didn't get expected response for profile data: ${why}`);
  let answer: unknown;
  try {
    answer = await ctx.options.webhooks.call('profile', { Username: body.str('Username') });
  } catch (err) {
    if (err instanceof WebhookError) throw expected(err.message);
    throw err;
  }
  if (typeof answer !== 'object' || answer === null) throw expected('the website did not answer with a JSON object');
  const { StatusCode: status, Data: data } = answer as { StatusCode?: unknown; Data?: unknown };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw expected('the answer has no Data object');
  const error = (data as { Error?: unknown }).Error;
  const failed = status !== 200 || (typeof error === 'string' && error !== '');
  return { status: failed ? 500 : 200, body: data as Record<string, unknown> };
};

/** POST /api/message/history (§2.3): 20 DMs with one user per page, newest first, BeforeID as the cursor. */
const history: ApiHandler = async (ctx, body) => {
  const me = await chatter(ctx, body);
  const peer = await ctx.core.users.findByUsername(body.str('Username'));
  const beforeId = body.int('BeforeID');
  if (!peer) return ok({ Messages: [], Remaining: 0 });
  const page = await ctx.core.messages.directPage(me, peer.id, { limit: HISTORY_PAGE, ...(beforeId > 0 ? { beforeId: toMessageId(beforeId) } : {}) });
  const names = new Map([[me.id, me.username], [peer.id, peer.username]]);
  const messages = page.messages.map((m) => ({ username: names.get(m.authorId) ?? 'unknown', message: ctx.options.render(m.text) ?? '', msgID: m.id, timestamp: rfc3339(m.createdAt) }));
  return ok({ Messages: messages, Remaining: page.remaining });
};

const SORTS: readonly DirectPartnerSort[] = ['newest', 'oldest', 'a-z', 'z-a'];

/**
 * POST /api/message/usernames (§2.3): the people the caller has DMs from, 9 per page. Like
 * BareRTC, names come from senders other than the caller, while Count counts every DM thread.
 */
const usernames: ApiHandler = async (ctx, body) => {
  const me = await chatter(ctx, body);
  const wanted = body.str('Sort');
  const sort = SORTS.find((s) => s === wanted) ?? 'newest';
  const page = Math.max(1, body.int('Page'));
  const found = await ctx.core.messages.directPartners(me, { sort, offset: (page - 1) * USERNAMES_PAGE, limit: USERNAMES_PAGE });
  if (found.threads === 0) throw new ApiFailure(500, 'you have no direct messages stored on this chat server');
  return ok({ Usernames: found.usernames, Count: found.threads, Pages: Math.max(1, Math.ceil(found.threads / USERNAMES_PAGE)) });
};

/**
 * POST /api/message/clear (§2.3): erase every DM thread of a user, both sides — the caller's own
 * (JWTToken) or, for the website, anyone's (APIKey + Username, e.g. on account deletion).
 */
const clear: ApiHandler = async (ctx, body) => {
  const apiKey = body.str('APIKey');
  let userId;
  if (apiKey !== '') {
    if (!ctx.options.equal(apiKey, ctx.options.adminApiKey)) throw new ApiFailure(401, 'Authentication denied.');
    // Our choice: the website may erase whatever the DM-history setting, since erasing is always safe.
    userId = (await ctx.core.users.findByUsername(body.str('Username')))?.id;
  } else {
    userId = (await chatter(ctx, body)).id;
  }
  const erased = userId === undefined ? 0 : await ctx.core.messages.eraseDirect(userId);
  return ok({ MessagesErased: erased });
};

/** The user endpoints, by path (§2.2). */
export const userRoutes: Readonly<Record<string, ApiHandler>> = {
  '/api/profile': profile,
  '/api/message/history': history,
  '/api/message/usernames': usernames,
  '/api/message/clear': clear,
};
