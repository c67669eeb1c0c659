import Type, { type TSchema } from 'typebox';
import { emptyReply, htmlReply, jsonReply, textReply, type RouteDocs } from '../route-docs.js';

/*
 * BareRTC's HTTP routes as the API documents describe them (reference/barertc.md §2, §5).
 * Requests are documented, never enforced here: the web API checks method, content type and body
 * in BareRTC's order and answers `{"OK":false,"Error":…}` (pretty-printed, as Go's encoder) (§2.1).
 */

const Failure = Type.Object({ OK: Type.Literal(false), Error: Type.String() });
const okBody = (fields: Record<string, TSchema> = {}) => Type.Object({ OK: Type.Literal(true), ...fields });
const refusals = {
  400: jsonReply('Not POST ("Only POST methods allowed"), not JSON, a field of the wrong type (Go\'s decoder wording).', Failure),
  413: jsonReply('"Request body is too large".', Failure),
  500: jsonReply('"Internal server error" or the endpoint\'s own failure.', Failure),
};
const admin = { 401: jsonReply('"Authentication denied." (wrong APIKey).', Failure) };
const APIKey = Type.String({ description: 'The server\'s AdminAPIKey.' });
const JWTToken = Type.String({ description: 'The user\'s JWT (signed with [JWT].SecretKey).' });
const opt = (schema: TSchema) => Type.Optional(schema);

/** One web-API endpoint: its POST documentation (body, answers). */
function api(summary: string, body: Record<string, TSchema>, okFields: Record<string, TSchema>, extra: Record<number, unknown> = {}, description?: string): RouteDocs {
  return {
    summary,
    ...(description ? { description } : {}),
    body: Type.Object(body),
    response: { 200: jsonReply('Done.', okBody(okFields)), ...refusals, ...extra },
  };
}

const Claims = Type.Object({
  sub: Type.String({ description: 'The username.' }),
  nick: opt(Type.String()), op: opt(Type.Boolean()), img: opt(Type.String()), url: opt(Type.String()),
  emoji: opt(Type.String()), gender: opt(Type.String()), vip: opt(Type.Boolean()), rules: opt(Type.Array(Type.String())),
});
const userOnly = { 400: jsonReply('JWT off or the token not valid, not online, or a bad body.', Failure) };
const authenticate = api('Sign a JWT from the given claims (5 minutes, HS256)', { APIKey, Claims }, { JWT: Type.String() }, admin);

/** The web API's POST documentation, by path (§2.2–§2.3). */
export const barertcApiDocs: Readonly<Record<string, RouteDocs>> = {
  '/api/authenticate': authenticate,
  '/api/authentication': { ...authenticate, description: 'The path BareRTC\'s documentation names; the same as /api/authenticate.' },
  '/api/shutdown': api('Restart the chat server', { APIKey }, {}, admin, 'Answers, tells every session, then the process exits for its supervisor to restart it.'),
  '/api/blocklist': api('Cache a user\'s blocklist, applied at their next sign-on', { APIKey, Username: Type.String(), Blocklist: Type.Array(Type.String()) }, {}, admin),
  '/api/block/now': api('Block every pair of the listed online users now', { APIKey, Usernames: Type.Array(Type.String()) }, {}, admin),
  '/api/disconnect/now': api('Remove users from the chat now', { APIKey, Usernames: Type.Array(Type.String()), Message: opt(Type.String()), Kick: opt(Type.Boolean()) }, { Removed: Type.Integer() }, admin),
  '/api/amend-jwt': api('Replace an online user\'s JWT claims', { APIKey, Username: Type.String(), JWTToken }, {}, { 401: jsonReply('Wrong APIKey, or the new token is not valid.', Failure), 404: jsonReply('"That user is not online."', Failure) }),
  '/api/profile': api('A user\'s profile card, from the website\'s "profile" webhook', { JWTToken, Username: Type.String() }, { Error: opt(Type.String()), Headline: opt(Type.String()), ProfileFields: opt(Type.Array(Type.Object({ Name: Type.String(), Value: Type.String() }))) }, {}, 'Answers the webhook\'s `Data` unchanged; JWT on and a token that verifies, else 400.'),
  '/api/message/history': api('Page through the stored DMs with one user (20, newest first)', { JWTToken, Username: Type.String(), BeforeID: opt(Type.Integer({ description: 'Cursor on msgID; 0 = from the latest.' })) }, {
    Messages: Type.Array(Type.Object({ username: Type.String(), message: Type.String({ description: 'HTML.' }), msgID: Type.Integer(), timestamp: Type.String({ description: 'RFC 3339.' }) })),
    Remaining: Type.Integer(),
  }, userOnly),
  '/api/message/usernames': api('Page through the users you have DMs with (9 a page)', { JWTToken, Sort: opt(Type.String({ description: 'newest, oldest, a-z or z-a.' })), Page: opt(Type.Integer()) }, { Usernames: Type.Array(Type.String()), Count: Type.Integer(), Pages: Type.Integer() }, userOnly),
  '/api/message/clear': api('Erase a user\'s stored DMs', { JWTToken: opt(JWTToken), APIKey: opt(APIKey), Username: opt(Type.String({ description: 'With APIKey: whose DMs.' })) }, { MessagesErased: Type.Integer() }, admin),
};

/** The other methods of a web-API path: refused in BareRTC's shape. */
export const barertcApiOtherMethodDocs = (url: string): RouteDocs => ({
  summary: `${url}: any method but POST`,
  response: { 400: jsonReply('"Only POST methods allowed".', Failure) },
});

/** Route schemas of the other BareRTC routes. */
export const barertcDocs = {
  statistics: {
    summary: 'Who is online (any method, no authentication)',
    description: 'CORS for the configured CORSHosts, with a real preflight answer (OPTIONS with Access-Control-Request-Method → 204).',
    response: {
      200: jsonReply('The counts.', Type.Object({ UserCount: Type.Integer(), Usernames: Type.Array(Type.String()), Cameras: Type.Object({ Blue: Type.Integer(), Red: Type.Integer() }) })),
      204: emptyReply('A CORS preflight.'),
    },
  },
  poll: {
    summary: 'The long-polling transport: the socket\'s actions over HTTP',
    description: 'The first poll carries a `login` action and starts a session; later polls carry `session_id` and any action (`ping` to just collect). `messages` holds the frames queued since the last poll, as on /ws (see /asyncapi.json). A session not polled for 60 s times out (§5).',
    body: Type.Object({
      username: opt(Type.String()),
      session_id: opt(Type.String({ description: 'Empty on the first (login) poll.' })),
      msg: opt(Type.Object({ action: Type.String() }, { additionalProperties: true, description: 'One client→server frame.' })),
    }),
    response: {
      200: jsonReply('The frames queued for this session.', Type.Object({ username: Type.String(), session_id: Type.String(), messages: Type.Array(Type.Object({ action: Type.String() }, { additionalProperties: true })) })),
      400: jsonReply('"Not logged in." or an expired session, with its frames.', Type.Object({ username: Type.String(), session_id: Type.String(), messages: Type.Array(Type.Object({ action: Type.String() }, { additionalProperties: true })) })),
    },
  },
  index: {
    summary: 'The chat page and its JWT single sign-on',
    description: '`jwt` as a query or form parameter (the form wins). With [JWT] Enabled and Strict, no valid token is a 302 to LandingPageURL, else 403 (§2.3, §3).',
    querystring: Type.Object({ jwt: opt(Type.String({ description: 'The website\'s JWT.' })) }),
    response: {
      200: htmlReply('The chat page.'),
      302: emptyReply('To LandingPageURL.', { location: { type: 'string' } }),
      403: textReply('"Error parsing your JWT token: …" or "Authentication denied. Please go back and try again."'),
    },
  },
  about: { summary: 'The about page', response: { 200: htmlReply('The page.') } },
  logout: { summary: 'The "you have logged out" page', response: { 200: htmlReply('The page.') } },
};
