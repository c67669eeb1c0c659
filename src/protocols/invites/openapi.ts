import Type from 'typebox';
import { emptyReply, htmlReply } from '../route-docs.js';

/*
 * The invite routes as the API documents describe them (reference/prosody-invites.md §4, §6, §7).
 * Requests are documented, never enforced here: a bad token is still a page, as in Prosody.
 */

const location = (description: string) => ({ location: { type: 'string', description } });
const corsHeaders = { 'access-control-allow-origin': { type: 'string' }, 'access-control-allow-methods': { type: 'string' } };

/** Route schemas, by route. */
export const invitesDocs = {
  invite: {
    summary: 'The invite landing page',
    description: 'The whole query string is the invite token (`/invite?<token>`); an invalid, used or expired one is still 200 with an "Invite expired" page (§6).',
    response: { 200: htmlReply('The invite page (with a `Link` to the `xmpp:` URI), or the expired page.', { link: { type: 'string', description: '`<xmpp:…>; rel="alternate"`' } }) },
  },
  registerPage: {
    summary: 'The registration form of an invite',
    querystring: Type.Object({ t: Type.Optional(Type.String({ description: 'The invite token.' })) }),
    response: { 200: htmlReply('The form.'), 303: emptyReply('Not a valid invite: back to the invite page.', location('`invite?<query>`')) },
  },
  register: {
    summary: 'Create the account of an invite',
    description: 'Form body. Refusals re-render the form with the reason (200), as Prosody does (§7.2–§7.3).',
    body: Type.Object({ token: Type.String(), user: Type.String({ description: 'The username (fixed by some invites).' }), password: Type.String() }),
    response: {
      200: htmlReply('The success page, or the form again with the refusal.'),
      303: emptyReply('Not a valid invite: back to the invite page.', location('`invite?<token>`')),
      500: htmlReply('The form with "An unknown error has occurred (<id>)".'),
    },
  },
  create: {
    summary: 'Create an account invite with an API key',
    description: 'The key is `Authorization: Bearer <id/secret>` when that header is present, else `?key=` (§4).',
    querystring: Type.Object({
      key: Type.Optional(Type.String({ description: 'The API key, when no Authorization header is sent.' })),
      redirect: Type.Optional(Type.String({ description: 'Present (any value): answer 303 instead of 201.' })),
    }),
    headers: Type.Object({ authorization: Type.Optional(Type.String({ description: '`Bearer <id/secret>`' })) }),
    response: {
      201: emptyReply('Created; `Location` is the invite page.', { ...corsHeaders, ...location('The invite page URL.') }),
      303: emptyReply('Created, `redirect` asked: go to the invite page.', location('The invite page URL.')),
      403: htmlReply('No key, or not a valid one.'),
    },
  },
  preflight: {
    summary: 'CORS preflight of the invite API',
    response: { 200: emptyReply('Allowed methods and headers, the caller\'s origin echoed.', corsHeaders) },
  },
};
