import Type, { type TSchema } from 'typebox';
import { htmlReply, jsonReply, reply } from '../route-docs.js';

/*
 * The ChatCLI HTTP routes as the API documents describe them (reference/chatcli.md §5). Bodies are
 * documented, never enforced here: the handlers answer each missing or malformed field with the
 * original's own message, in its order (schemas.ts). Account routes also take form bodies.
 */

/** The usual envelope (§3): `status` is "ok" exactly when the HTTP status is 200. */
const envelopeOf = (response: TSchema = Type.Unknown(), extra: Record<string, TSchema> = {}) =>
  Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('error')]), message: Type.String(), response, ...extra });
const Envelope = envelopeOf();
const ok = (description: string, response?: TSchema, extra?: Record<string, TSchema>) => jsonReply(description, envelopeOf(response, extra));
const err = (description: string) => jsonReply(description, Envelope);
/** Flask's HTML error pages for bodies it cannot read (§3). */
const flask = {
  413: htmlReply('Body over the limit: Flask\'s HTML 413 page (the connection is closed).'),
  415: htmlReply('Not a JSON object body: Flask\'s HTML 415 page.'),
};
/** A chat route's 400: its own envelope, or Flask's HTML page for a body that is not JSON. */
const err400 = (description: string) => ({
  description: `${description} Malformed JSON: Flask's HTML 400 page.`,
  content: { 'application/json': { schema: Envelope }, 'text/html': { schema: { type: 'string' } } },
});
const str = (description: string) => Type.Optional(Type.String({ description }));
const body = (fields: Record<string, TSchema>) => Type.Object(fields);
const tokens = { access_token: Type.String(), refresh_token: Type.String() };
const Tokens = Type.Object(tokens);
const WireChat = Type.Object({ chatID: Type.Integer(), name: Type.String(), online: Type.Boolean() });
const WireHistoryMessage = Type.Object({ messageID: Type.Integer(), userID: Type.Integer(), username: Type.String(), message: Type.String(), timestamp: Type.String({ description: 'ISO-8601 UTC, e.g. 2025-07-14T12:34:56Z' }) });
const sessionToken = str('The access token.');
const Bearer = Type.Object({ authorization: Type.Optional(Type.String({ description: '`Bearer <access token>` (else `session_token` in the body).' })) });

/** Route schemas, by route. */
export const chatcliDocs = {
  verifyConnection: { summary: 'Health check', response: { 200: ok('`response`: "Server is reachable!"', Type.String()) } },
  subscribePage: { summary: 'The release-notification form', response: { 200: htmlReply('The form.') } },
  subscribe: {
    summary: 'Subscribe an e-mail address to release notifications',
    description: 'Answered as HTML (form posts) or in the JSON envelope (JSON bodies), §5.2.',
    body: body({ email: str('The address.') }),
    response: {
      200: reply('Subscribed.', 'application/json', Envelope),
      400: err('"Email is required!" (or the form again, as HTML).'),
      409: err('"This email is already subscribed!"'),
    },
  },
  userIndex: { summary: 'Index text of /user/', response: { 200: htmlReply('"User\'s index route"') } },
  chatIndex: { summary: 'Index text of /chat/', response: { 200: htmlReply('"chat\'s index route"') } },
  register: {
    summary: 'Register (or refresh an unverified account) and mail a code',
    body: body({ username: str('Letters, digits, `_`.'), password: str('At least 8 characters with upper, lower, digit and special.'), email: str('The address the code is mailed to.'), invite_code: str('Needed when registration is by invite.') }),
    response: { 200: ok('"Verification email sent!"', Type.String()), 400: err('The first missing or invalid field, in the original\'s order.'), 403: err('Registration refused.'), 429: err('Too many attempts.'), 500: err('"Failed to send verification email".') },
  },
  verifyEmail: {
    summary: 'Verify the e-mail address with the mailed code',
    body: body({ username: str('The account.'), email_token: str('The 6-digit code.') }),
    response: { 200: ok('"Email verified!"', Type.String()), 400: err('Missing fields, or "Invalid or expired code!".') },
  },
  login: {
    summary: 'Log in: an access and a refresh token',
    body: body({ username: str('The account.'), password: str('Its password.') }),
    response: { 200: ok('"Login successful"; the tokens are at the top level.', Type.String(), tokens), 400: err('Missing fields, or "Username or password is incorrect!".'), 403: err('Not verified, disabled or banned.'), 429: err('Too many attempts.') },
  },
  refreshPost: {
    summary: 'Rotate the refresh token',
    description: 'Reusing a rotated refresh token revokes its whole family (§5.6).',
    body: body({ refresh_token: str('The current refresh token.') }),
    response: { 200: ok('"Token refreshed"; the new tokens are at the top level.', Type.String(), tokens), 400: err('"Refresh token required".'), 401: err('"Invalid refresh token" or "Refresh token expired or revoked".') },
  },
  refreshGet: {
    summary: 'Rotate the refresh token (GET with a JSON body, as documented)',
    description: 'The same as POST; the body `{"refresh_token": …}` is read from the GET request (§5.6).',
    response: { 200: ok('"Token refreshed"', Type.String(), tokens), 400: err('"Refresh token required".'), 401: err('The token is not usable.'), 413: flask[413] },
  },
  resetRequest: {
    summary: 'Mail a password-reset link',
    body: body({ username: str('The account.') }),
    response: { 200: ok('"Password reset email sent!"', Type.String()), 400: err('"Username is required".'), 500: err('"Failed to send password reset email".') },
  },
  resetPage: {
    summary: 'The password-reset form (the mailed link)',
    querystring: Type.Object({ token: str('The reset token.'), username: str('The account.') }),
    response: { 200: htmlReply('The form.'), 400: reply('"Missing query parameters."', 'text/plain') },
  },
  reset: {
    summary: 'Set a new password with the reset token',
    description: 'Answered in its own `{error}` / `{message}` shape (§5.8); form or JSON body.',
    body: body({ username: str('The account.'), token: str('The reset token.'), password: str('The new password.'), confirm_password: str('The same again.') }),
    response: { 200: jsonReply('"Password reset successfully"', Type.Object({ message: Type.String() })), 400: jsonReply('The refusal.', Type.Object({ error: Type.String() })) },
  },
  logout: {
    summary: 'Log out this login (its token family)',
    headers: Bearer,
    body: body({ session_token: sessionToken }),
    response: { 200: ok('"Logged out successfully!"'), 401: err('The token is not usable.') },
  },
  logoutAll: {
    summary: 'Log out every login of the account',
    headers: Bearer,
    body: body({ session_token: sessionToken }),
    response: { 200: ok('"Logged out from all devices!"'), 401: err('The token is not usable.') },
  },
  changePassword: {
    summary: 'Change the password; every session ends',
    headers: Bearer,
    body: body({ session_token: sessionToken, old_password: str('The current password.'), new_password: str('The new one.') }),
    response: { 200: ok('"Password changed successfully! Please log in again."'), 400: err('Missing fields, a weak password, or "Old password is incorrect!".'), 401: err('The token is not usable.') },
  },
  fetchChats: {
    summary: 'The caller\'s direct chats',
    body: body({ session_token: sessionToken }),
    response: { 200: jsonReply('`{"response": [...], "status": "ok"}`', Type.Object({ response: Type.Array(WireChat), status: Type.Literal('ok') })), 400: htmlReply('Malformed JSON: Flask\'s HTML 400 page.'), 401: err('"Unable to verify user!"'), ...flask },
  },
  createChat: {
    summary: 'Create (or find) the direct chat with `receiver`',
    body: body({ session_token: sessionToken, receiver: str('The other user\'s name.') }),
    response: { 200: ok('"Chat created successfully!" with `chatID`.', Type.String(), { chatID: Type.Integer() }), 400: err400('Missing fields, unknown user, or yourself.'), ...flask },
  },
  messages: {
    summary: 'The newest messages of a chat, oldest first',
    body: body({ session_token: sessionToken, username: str('The caller\'s name.'), chatID: Type.Optional(Type.Union([Type.Integer(), Type.String()])), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }),
    response: { 200: ok('The messages.', Type.Array(WireHistoryMessage)), 400: err400('Missing fields or a bad limit.'), 401: err('"Unable to verify user!"'), 404: err('"Chat not found or access denied"'), ...flask },
  },
  deleteChat: {
    summary: 'Leave a chat; the last one out deletes it',
    body: body({ session_token: sessionToken, chatID: Type.Optional(Type.Union([Type.Integer(), Type.String()])) }),
    response: { 200: ok('"Chat deleted successfully!"', Type.String()), 400: err400('Missing fields.'), 401: err('"Unable to verify user!"'), 404: err('"Chat not found or access denied"'), ...flask },
  },
};
