import { toUserId, type UserId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import { ApiFailure, ok, onlineEntries, requireApiKey, type ApiHandler, type Body } from './api-common.js';
import { controlPayload } from './control.js';
import { SHUTDOWN_NOTICE } from './commands.js';
import type { BarertcClaims } from './socket.js';
import { chatServer, frame } from './wire.js';

/** What every BareRTC session is told before the process goes down (§2.3 /api/shutdown). */

/** Server notices have no author: nobody mutes user 0, so every session gets them. */
const SERVER = toUserId(0);

/** The JWT claims of an /api/authenticate body, typed as BareRTC's decoder types them (§3 custom claims). */
function claimsOf(body: Body): BarertcClaims {
  const c = body.object('Claims');
  const wrong = (key: string, goType: string): never => {
    throw new ApiFailure(400, `json: cannot unmarshal ${typeof c[key]} into Go struct field Claims.${key} of type ${goType}`);
  };
  const str = (key: string): string | undefined => (c[key] === undefined || c[key] === null ? undefined : typeof c[key] === 'string' ? (c[key] as string) : wrong(key, 'string'));
  const bool = (key: string): boolean | undefined => (c[key] === undefined || c[key] === null ? undefined : typeof c[key] === 'boolean' ? (c[key] as boolean) : wrong(key, 'bool'));
  const rules = c['rules'];
  if (rules !== undefined && rules !== null && (!Array.isArray(rules) || rules.some((r) => typeof r !== 'string'))) wrong('rules', '[]string');
  const fields = { sub: str('sub') ?? '', nick: str('nick'), op: bool('op'), vip: bool('vip'), img: str('img'), url: str('url'), emoji: str('emoji'), gender: str('gender'), rules: Array.isArray(rules) ? (rules as string[]) : undefined };
  // Only the claims given travel in the token, as BareRTC's `omitempty` fields do.
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '' && v !== false)) as unknown as BarertcClaims;
}

/** POST /api/authenticate (and /api/authentication, our choice): sign a JWT from the claims (§2.3). Does not need [JWT].Enabled. */
const authenticate: ApiHandler = async (ctx, body) => {
  requireApiKey(ctx, body);
  const claims = claimsOf(body);
  let jwt: string;
  try {
    jwt = await ctx.options.signJwt(claims);
  } catch (err) {
    ctx.logger.warn({ err }, 'barertc /api/authenticate could not sign');
    throw new ApiFailure(500, 'Error signing the JWT claims.');
  }
  return ok({ JWT: jwt });
};

/** POST /api/shutdown (§2.3): answer, tell every session on every node, then the injected exit. */
const shutdown: ApiHandler = async (ctx, body) => {
  requireApiKey(ctx, body);
  // After the answer is on its way: the caller (BareBot's watchdog) only needs the OK.
  setImmediate(() => {
    ctx.core.presence
      .broadcast('barertc', SERVER, frame(chatServer(SHUTDOWN_NOTICE)))
      .catch((err: unknown) => ctx.logger.error({ err }, 'barertc shutdown notice failed'))
      .finally(() => ctx.options.shutdown());
  });
  return ok();
};

/** POST /api/blocklist (§2.3): cache a user's blocklist, in the store (every node, across restarts); applied at their login. */
const blocklist: ApiHandler = async (ctx, body) => {
  requireApiKey(ctx, body);
  const username = body.str('Username');
  const names = body.strings('Blocklist');
  await ctx.core.blocklists.cache(username, names);
  return ok();
};

/**
 * POST /api/block/now (§2.3): every pair of listed users who are online mute and block each other;
 * each is sent `block` for the other, then the who lists are rebuilt. Offline users are skipped.
 */
const blockNow: ApiHandler = async (ctx, body) => {
  requireApiKey(ctx, body);
  const online = await onlineEntries(ctx.core);
  const users: { id: UserId; username: string; principal: Principal }[] = [];
  for (const name of new Set(body.strings('Usernames'))) {
    const found = online.get(name);
    if (!found) continue;
    try {
      users.push({ id: found.session.userId, username: name, principal: await ctx.core.users.principalFor(found.session.userId) });
    } catch {
      // A user disabled or banned since they joined is on their way out already.
    }
  }
  for (const a of users) {
    for (const b of users) {
      if (a.id === b.id) continue;
      await ctx.core.moderation.relate(a.principal, b.id, 'mute');
      await ctx.core.moderation.relate(a.principal, b.id, 'block');
      await ctx.core.presence.signal('barertc', a.id, frame({ action: 'block', username: b.username }));
    }
  }
  if (users.length > 1) await ctx.core.presence.refresh('barertc');
  return ok();
};

/**
 * POST /api/disconnect/now (§2.3): for each listed user online, a presence line to everyone, the
 * optional message, then `disconnect` — one roster notice, which ends the user's sessions on every
 * node in that order; the who lists follow their logout.
 */
const disconnectNow: ApiHandler = async (ctx, body) => {
  requireApiKey(ctx, body);
  const message = body.str('Message');
  const kick = body.bool('Kick');
  const online = await onlineEntries(ctx.core);
  let removed = 0;
  for (const name of new Set(body.strings('Usernames'))) {
    if (!online.has(name)) continue;
    removed++;
    await ctx.core.presence.announce('barertc', { username: name, kind: kick ? 'kicked' : 'left', end: message === '' ? {} : { message } });
  }
  return ok({ Removed: removed });
};

/**
 * POST /api/amend-jwt (§2.3, later versions): new claims for an online JWT user. The session (on
 * any node) takes them through a directed control: `ping` with the token and its rules, then `me`,
 * and everyone's who list. A user who logged in without a JWT is left as they are.
 */
const amendJwt: ApiHandler = async (ctx, body) => {
  requireApiKey(ctx, body);
  const jwt = body.str('JWTToken');
  let claims: BarertcClaims;
  try {
    claims = await ctx.options.verifyJwt(jwt);
  } catch (err) {
    throw new ApiFailure(401, err instanceof Error ? err.message : 'The token is not valid.');
  }
  const target = (await onlineEntries(ctx.core)).get(body.str('Username'));
  if (!target) throw new ApiFailure(404, 'That user is not online.');
  await ctx.core.presence.signal('barertc', target.session.userId, controlPayload({ kind: 'amend-jwt', jwt, claims }));
  return ok();
};

/** The admin endpoints, by path (§2.2). */
export const adminRoutes: Readonly<Record<string, ApiHandler>> = {
  '/api/authenticate': authenticate,
  '/api/authentication': authenticate,
  '/api/shutdown': shutdown,
  '/api/blocklist': blocklist,
  '/api/block/now': blockNow,
  '/api/disconnect/now': disconnectNow,
  '/api/amend-jwt': amendJwt,
};
