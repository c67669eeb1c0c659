import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';

// Issue 8 (defect 6): the invite page's `Link` header carries the invite's URI percent-encoded
// (RFC 3986, RFC 8288), so any name gives a valid ASCII header with exactly one link.
let node: TestNode;
beforeAll(async () => {
  node = await startNode({ env: { PARLEY_DOMAIN: 'chat.example' } });
});
afterAll(() => node?.stop());

const NAMES = ['аня', '张伟', '😀', 'a>b;rel=x'];
const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The one link of a `Link` header value, or a failure when it is not exactly one ASCII link. */
function onlyLink(value: string | null): string {
  expect(value).toMatch(/^[\x20-\x7e]*$/);
  const match = /^<([^<>]*)>; rel="alternate"$/.exec(value ?? '');
  expect(match, `one link in ${value}`).not.toBeNull();
  return match![1]!;
}

async function invitePage(token: string): Promise<{ uri: string; body: string }> {
  const res = await fetch(`${node.url}/invite?${token}`);
  expect(res.status).toBe(200);
  const body = await res.text();
  const uri = onlyLink(res.headers.get('link'));
  // The page's <link> holds the same URI as the header.
  expect(body).toContain(`<link rel="alternate" href="${html(uri)}">`);
  return { uri, body };
}

describe('the Link header of GET /invite for names outside ASCII or with delimiters', () => {
  it.each(NAMES)('an account invite for "%s": one link whose URI decodes to the name, and the form shows it', async (name) => {
    const invite = await node.server.core.invites.createAccount({ username: name });
    const { uri } = await invitePage(invite.token);
    expect(decodeURIComponent(uri)).toBe(`xmpp:${name}@chat.example?register;preauth=${invite.token}`);
    const form = await (await fetch(`${node.url}/register?t=${invite.token}`)).text();
    expect(form).toContain(`value="${html(name)}" readonly`);
  });

  it.each(NAMES)('a contact invite from "%s": one link whose URI decodes to the inviter, and the page names them', async (name) => {
    const inviter = await node.server.core.users.register({ username: name, password: 'pw' });
    const invite = await node.server.core.invites.createContact(inviter.id);
    const { uri, body } = await invitePage(invite.token);
    expect(decodeURIComponent(uri)).toBe(`xmpp:${name}@chat.example?roster;preauth=${invite.token};ibr=y`);
    expect(body).toContain(`with <strong>${html(name)}</strong>`);
  });

  it.each(NAMES)('a group invite to a room titled "%s" answers one link', async (title) => {
    const owner = await node.server.core.users.register({ username: `owner of ${title}`, password: 'pw' });
    const room = await node.server.core.conversations.createGroup({ id: owner.id, username: owner.username, displayName: owner.displayName }, title, []);
    const invite = await node.server.core.invites.createGroup([room.id]);
    const { uri } = await invitePage(invite.token);
    expect(decodeURIComponent(uri)).toBe(`xmpp:chat.example?register;preauth=${invite.token}`);
  });
});

/** One request written byte for byte (fetch would normalise the target); resolves to its response head's headers. */
function rawGet(target: string, headers = ''): Promise<{ status: number; headers: Map<string, string> }> {
  const { port } = new URL(node.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`, 'latin1')));
    let data = '';
    socket.on('data', (chunk: Buffer) => { data += chunk.toString('latin1'); });
    socket.on('error', reject);
    socket.on('end', () => {
      const [status, ...lines] = data.slice(0, data.indexOf('\r\n\r\n')).split('\r\n');
      resolve({ status: Number(status?.split(' ')[1]), headers: new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])) });
    });
  });
}

describe('other headers that carry request text', () => {
  it('GET /register with a bad token redirects to the same query as a valid URI', async () => {
    for (const [query, expected] of [['t=a"b<c>d', 't=a%22b%3Cc%3Ed'], ['t=x#y', 't=x%23y'], ['t=100%', 't=100%25'], ['t=%41{}', 't=%41%7B%7D']]) {
      const res = await rawGet(`/register?${query}`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`invite?${expected}`);
    }
  });

  it('answers the invite API with `*` rather than echo an Origin that is not visible ASCII', async () => {
    const odd = await rawGet('/invites_api', 'Origin: http://\u00e9\u00ff.example\r\n');
    expect(odd.status).toBe(403);
    expect(odd.headers.get('access-control-allow-origin')).toBe('*');
    const fine = await rawGet('/invites_api', 'Origin: https://app.example\r\n');
    expect(fine.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });
});
