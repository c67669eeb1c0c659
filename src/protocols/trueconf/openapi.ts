import Type from 'typebox';
import { emptyReply, jsonReply, reply } from '../route-docs.js';

/*
 * The TrueConf Bridge HTTP routes as the API documents describe them (reference/trueconf.md §0,
 * §6.1, §6.2, §7.1). Requests are documented, never enforced here: the handlers answer in the
 * endpoint's own error shape (RFC 6749 on the token endpoint, `{"error"}` on the file endpoints).
 */

const OAuthError = Type.Object({
  error: Type.String({ description: 'invalid_request, invalid_client, unsupported_grant_type, invalid_grant, server_error' }),
  error_description: Type.String(),
});
const oauthFail = (description: string) => jsonReply(description, OAuthError);
const FileError = Type.Object({ error: Type.String() });
const fileFail = (description: string) => jsonReply(description, FileError);

/** Route schemas, by route. */
export const trueconfDocs = {
  token: {
    summary: 'OAuth2 password grant: a JWT for the bot socket',
    description: 'JSON or form body. The token authenticates the `/websocket/chat_bot` socket (see /asyncapi.json).',
    body: Type.Object({
      client_id: Type.String({ description: 'Always `chat_bot`.' }),
      grant_type: Type.Literal('password'),
      username: Type.String({ description: '`name` or `name@domain`.' }),
      password: Type.String(),
    }),
    response: {
      201: jsonReply('The token.', Type.Object({ access_token: Type.String(), token_type: Type.Literal('JWT'), expires_in: Type.Integer({ description: 'Seconds.' }), expires_at: Type.Integer({ description: 'Unix seconds.' }) })),
      400: oauthFail('A missing field, another client or grant, or wrong credentials (the same answer for unknown users).'),
      413: oauthFail('Body over the limit (the connection is closed).'),
      429: oauthFail('Too many attempts.'),
      500: oauthFail('server_error.'),
    },
  },
  tokenPreflight: {
    summary: 'CORS preflight of the token endpoint',
    response: { 204: emptyReply('Allowed: POST from any origin.', { 'access-control-allow-methods': { type: 'string' }, 'access-control-allow-headers': { type: 'string' } }) },
  },
  upload: {
    summary: 'Upload the file of an `uploadFile` task',
    description: 'multipart/form-data with the field `file` (an optional `preview` is read and dropped); answers the `temporalFileId` for `sendFile` (§6.2).',
    headers: Type.Object({ 'upload-task-id': Type.String({ description: 'The `uploadTaskId` of the `uploadFile` request.' }) }),
    response: {
      200: jsonReply('Stored.', Type.Object({ temporalFileId: Type.String() })),
      400: fileFail('No task header, not multipart, no `file` field, or a cut-off upload.'),
      404: fileFail('"Unknown or used upload task".'),
      413: fileFail('Larger than the task announced, or refused.'),
      503: fileFail('Too many uploads at once; retry after `Retry-After` seconds.'),
    },
  },
  download: {
    summary: 'Download a file by its `getFileInfo` URL',
    description: 'Needs no credentials: the capability in the path is the secret (§6.2). The stored type is served only when it is safe to render.',
    params: Type.Object({ fileId: Type.String(), capability: Type.String() }),
    response: {
      200: reply('The file\'s bytes.', 'application/octet-stream', { type: 'string', format: 'binary' }),
      404: fileFail('"File not found" (unknown, a wrong capability, or deleted).'),
    },
  },
  server: {
    summary: 'Server version and domain',
    response: { 200: jsonReply('What the python client checks (§7.1).', Type.Object({ product: Type.Object({ display_name: Type.String({ description: 'The domain of bare user ids.' }), version: Type.String() }) })) },
  },
  connects: {
    summary: 'The python client\'s fallback probe',
    response: { 200: jsonReply('Always empty.', Type.Object({ connects: Type.Array(Type.Unknown()) })) },
  },
};
