import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';

// reference/prosody-invites.md §6–§7: the invite page and web registration, over HTTP.
let node: TestNode;
beforeAll(async () => {
  node = await startNode({ env: { PARLEY_DOMAIN: 'chat.example' } });
});
afterAll(() => node?.stop());

const form = (fields: Record<string, string>) =>
  fetch(`${node.url}/register`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });

describe('GET /invite?<token>', () => {
  it('shows a valid invite with a link to register, and an expired page (still 200) for anything else', async () => {
    const invite = await node.server.core.invites.createAccount();
    const ok = await fetch(`${node.url}/invite?${invite.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await ok.text();
    expect(html).toContain('Invite to chat.example');
    expect(html).toContain(`register?t=${invite.token}`);
    expect(ok.headers.get('link')).toBe(`<xmpp:chat.example?register;preauth=${invite.token}>; rel="alternate"`);
    expect(html).toContain(`<link rel="alternate" href="xmpp:chat.example?register;preauth=${invite.token}">`);
    expect(html).toMatch(/<div class="qr"[^>]*><svg[^>]*>/); // the QR code, inline
    for (const bad of ['', 'bogus']) {
      const res = await fetch(`${node.url}/invite?${bad}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Sorry, it looks like this invite code has expired!');
    }
  });

  it('names the inviter when there is one', async () => {
    const inviter = await node.server.core.users.register({ username: 'host', password: 'pw' });
    const invite = await node.server.core.invites.createAccount({ inviterId: inviter.id });
    const res = await fetch(`${node.url}/invite?${invite.token}`);
    expect(await res.text()).toContain('with <strong>host</strong>');
    const contact = await node.server.core.invites.createContact(inviter.id);
    expect((await fetch(`${node.url}/invite?${contact.token}`)).headers.get('link')).toBe(`<xmpp:host@chat.example?roster;preauth=${contact.token};ibr=y>; rel="alternate"`);
    const fixed = await node.server.core.invites.createAccount({ username: 'zed' });
    expect((await fetch(`${node.url}/invite?${fixed.token}`)).headers.get('link')).toBe(`<xmpp:zed@chat.example?register;preauth=${fixed.token}>; rel="alternate"`);
  });
});

describe('/register', () => {
  it('sends an invalid token back to the invite page with the original query (303)', async () => {
    const res = await fetch(`${node.url}/register?t=bogus`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('invite?t=bogus');
  });

  it('refuses bad input with the original messages and keeps the invite usable', async () => {
    const { token } = await node.server.core.invites.createAccount();
    await node.server.core.users.register({ username: 'taken', password: 'pw' });
    const cases: [Record<string, string>, string][] = [
      [{ user: '', password: 'longenough' }, 'Please fill in all fields.'],
      [{ user: 'a b', password: 'longenough' }, 'This username contains invalid characters.'],
      [{ user: 'me@there', password: 'longenough' }, 'This username contains invalid characters.'],
      [{ user: 'Taken', password: 'longenough' }, 'This username is already in use.'],
      [{ user: 'newbie', password: 'short' }, 'Password is too short (minimum 8 characters)'],
      [{ user: 'newbie', password: 'xxNEWBIExx' }, 'Password must not include your username'],
    ];
    for (const [fields, message] of cases) {
      const res = await form({ ...fields, token });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(message);
    }
    expect(await node.server.core.invites.valid(token)).not.toBeNull();
  });

  it('registers a lower-cased account, answers a no-cache success page, and uses the invite up', async () => {
    const { token } = await node.server.core.invites.createAccount();
    const res = await form({ user: 'Alice', password: 'correct horse', token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('expires')).toBe('0');
    expect(await res.text()).toContain('alice@chat.example');
    expect((await fetch(`${node.url}/invite?${token}`).then((r) => r.text()))).toContain('Invite expired');
    const again = await form({ user: 'other', password: 'correct horse', token });
    expect(again.status).toBe(303);
    const login = await fetch(`${node.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', secret: 'correct horse' }) });
    expect(login.status).toBe(200);
  });

  it('locks the username of a fixed-username invite, ignoring another submitted name', async () => {
    const { token } = await node.server.core.invites.createAccount({ username: 'fixed' });
    expect(await (await fetch(`${node.url}/register?t=${token}`)).text()).toMatch(/value="fixed" readonly/);
    const res = await form({ user: 'someoneelse', password: 'long password', token });
    expect(await res.text()).toContain('fixed@chat.example');
    expect(await node.server.core.users.findByUsername('someoneelse')).toBeNull();
  });

  it('makes an operator of an invite with an admin role', async () => {
    const { token } = await node.server.core.invites.createAccount({ roles: ['prosody:admin'] });
    await form({ user: 'boss', password: 'long password', token });
    expect((await node.server.core.users.findByUsername('boss'))?.isOperator).toBe(true);
  });

  it('shows "An unknown error has occurred (<id>)" when the account cannot be created, and keeps the invite', async () => {
    const { token } = await node.server.core.invites.createAccount();
    const spy = vi.spyOn(node.server.core.invites, 'register').mockRejectedValueOnce(new Error('disk on fire'));
    try {
      const res = await form({ user: 'unlucky', password: 'a long password', token });
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).toMatch(/An unknown error has occurred \([0-9a-f]{8}\)/);
      expect(body).not.toContain('disk on fire');
    } finally {
      spy.mockRestore();
    }
    expect(await node.server.core.invites.valid(token)).not.toBeNull();
  });
});
