import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';

// Issue 8, defect 11 over the invite pages (reference/prosody-invites.md §7.2): a username that
// would only look like another (white space at an end or alone, a line separator, a lone
// surrogate) is refused like any name nodeprep refuses: the form again (200) with
// "This username contains invalid characters.", and the invite stays usable.
let node: TestNode;
beforeAll(async () => {
  node = await startNode({ env: { PARLEY_DOMAIN: 'chat.example' } });
});
afterAll(() => node?.stop());

const INVALID = 'This username contains invalid characters.';
const post = (contentType: string, payload: string) =>
  node.server.app.inject({ method: 'POST', url: '/register', headers: { 'content-type': contentType }, payload });
const form = (fields: Record<string, string>) => post('application/x-www-form-urlencoded', new URLSearchParams(fields).toString());

describe('POST /register refuses names that look like another', () => {
  it.each([
    ['a leading space', ' alice'],
    ['a trailing space', 'alice '],
    ['only spaces', '   '],
    ['a trailing no-break space', 'alice\u00a0'],
    ['a leading ideographic space', '\u3000alice'],
    ['a line separator', 'al\u2028ice'],
    ['a paragraph separator', 'al\u2029ice'],
  ])('re-renders the form with the nodeprep message for %s, keeping the invite', async (_label, user) => {
    const { token } = await node.server.core.invites.createAccount();
    const res = await form({ user, password: 'a long password', token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain(INVALID);
    expect(await node.server.core.invites.valid(token)).not.toBeNull();
  });

  it('refuses a lone surrogate, whether a JSON escape or its bytes percent-encoded in the form', async () => {
    const { token } = await node.server.core.invites.createAccount();
    const before = (await node.server.core.users.list({ limit: 100 })).length;
    const answers = [
      await post('application/json', `{"user":"al\\ud800ice","password":"a long password","token":"${token}"}`),
      await post('application/x-www-form-urlencoded', `user=al%ED%A0%80ice&password=a+long+password&token=${token}`),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(INVALID);
    }
    expect(await node.server.core.invites.valid(token)).not.toBeNull();
    expect(await node.server.core.users.list({ limit: 100 })).toHaveLength(before);
  });

  it('still registers the plain name afterwards', async () => {
    const { token } = await node.server.core.invites.createAccount();
    const res = await form({ user: 'alice', password: 'a long password', token });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('alice@chat.example');
  });
});
