import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import {
  codeOf, createChat, emailOf, errorEnvelope, http, joinChat, login, okEnvelope, openChatSocket, PASSWORD, registerForCode, resetLinkOf, signUp,
  startSmtpSink, TIMESTAMP, WEAK, type Account, type Http, type SmtpSink,
} from './helpers.js';

// reference/chatcli.md §3–§5: every HTTP route of ChatCLI, through app.inject() on a real node
// whose mails go through a real SMTP server.
const NO_LIMITS = testSettings('[rate_limits]\nenabled = false\n');

let smtp: SmtpSink;
let node: TestNode;
let api: Http;
beforeAll(async () => {
  smtp = await startSmtpSink();
  node = await startNode({ env: { PARLEY_SMTP_URL: smtp.url }, settings: NO_LIMITS });
  api = http(node);
});
afterAll(async () => {
  await node?.stop();
  await smtp?.close();
});

let seq = 0;
/** A fresh username (≤ 20 characters, the original column size). */
const fresh = (prefix: string) => `${prefix}${++seq}`;

describe('pages and health check', () => {
  // Parley: the welcome page is on ChatCLI's own listener (the main listener's `/` is BareRTC's).
  it.each(['GET', 'POST'] as const)('%s / on the ChatCLI listener renders the welcome HTML page', async (method) => {
    const res = await fetch(node.server.chatcliUrl.replace(/^ws/, 'http') + '/', { method });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await res.text();
    expect(body).toMatch(/<html/i);
    expect(body).toContain('Welcome to ChatCLI');
  });

  it("does not answer / on the main listener with ChatCLI's welcome page", async () => {
    const res = await api.call('GET', '/');
    expect(res.body).not.toContain('Welcome to ChatCLI');
  });

  it('answers any other path on the ChatCLI listener with the JSON 404', async () => {
    const res = await fetch(node.server.chatcliUrl.replace(/^ws/, 'http') + '/user/login', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toStrictEqual({ detail: 'Not Found' });
  });

  it.each(['GET', 'POST'] as const)('%s /verify-connection answers exactly the documented JSON', async (method) => {
    const res = await api.call(method, '/verify-connection');
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual({ status: 'ok', message: '', response: 'Server is reachable!' });
  });

  it('GET /user/ and GET /chat/ answer their index texts', async () => {
    const user = await api.get('/user/');
    expect(user.status).toBe(200);
    expect(user.body).toBe("User's index route");
    const chat = await api.get('/chat/');
    expect(chat.status).toBe(200);
    expect(chat.body).toBe("chat's index route");
  });

  it("answers an unknown path with Flask's HTML 404 (§3)", async () => {
    for (const path of ['/user/no-such-route', '/chat/no-such-route']) {
      const res = await api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.contentType, path).toMatch(/^text\/html/);
    }
  });

  it("answers a wrong method on a known path with Flask's HTML 405 (§3)", async () => {
    for (const [method, path] of [['GET', '/user/login'], ['GET', '/user/register'], ['GET', '/chat/fetch-chats'], ['POST', '/user/'], ['POST', '/chat/']] as const) {
      const res = await api.call(method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.contentType, `${method} ${path}`).toMatch(/^text\/html/);
    }
  });
});

describe('/subscribe', () => {
  it('GET renders a form that POSTs one email input', async () => {
    const res = await api.get('/subscribe');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<form[^>]*method="POST"/i);
    expect(res.body).toMatch(/<input[^>]*name="email"[^>]*type="email"|<input[^>]*type="email"[^>]*name="email"/);
  });

  it('POST with a form body answers HTML with the success flash', async () => {
    const res = await api.postForm('/subscribe', { email: 'form-fan@example.org' });
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/html/);
    expect(res.body).toContain('You have successfully subscribed!');
  });

  it('POST with a JSON body answers the exact JSON envelope', async () => {
    const res = await api.post('/subscribe', { email: 'json-fan@example.org' });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual(okEnvelope('You have successfully subscribed!'));
  });

  it('answers 400 "Email is required!" for a missing or invalid address, form or JSON', async () => {
    for (const body of [{}, { email: '' }, { email: 'not-an-email' }]) {
      const json = await api.post('/subscribe', body);
      expect(json.status, JSON.stringify(body)).toBe(400);
      expect(json.json).toStrictEqual(errorEnvelope('Email is required!'));
      const form = await api.postForm('/subscribe', body as Record<string, string>);
      expect(form.status, JSON.stringify(body)).toBe(400);
      expect(form.body).toContain('Email is required!');
    }
  });

  it('answers 409 for an address already subscribed in another case', async () => {
    expect((await api.post('/subscribe', { email: 'Dup.Fan@example.org' })).status).toBe(200);
    const json = await api.post('/subscribe', { email: 'dup.fan@EXAMPLE.org' });
    expect(json.status).toBe(409);
    expect(json.json).toStrictEqual(errorEnvelope('This email is already subscribed!'));
    const form = await api.postForm('/subscribe', { email: 'DUP.FAN@example.org' });
    expect(form.status).toBe(409);
    expect(form.body).toContain('This email is already subscribed!');
  });
});

describe('POST /user/register', () => {
  const valid = () => ({ username: fresh('reg'), email: 'valid@example.org', password: PASSWORD });

  it.each([
    ['no body at all', undefined],
    ['an empty object', {}],
    ['no password', { username: 'someone', email: 'a@example.org' }],
    ['no username', { password: PASSWORD, email: 'a@example.org' }],
    ['an empty username', { username: '', password: PASSWORD, email: 'a@example.org' }],
    ['a blank username', { username: '   ', password: PASSWORD, email: 'a@example.org' }],
    ['an empty password', { username: 'someone', password: '', email: 'a@example.org' }],
    ['missing everything else too, with a bad username', { username: 'a b' }],
  ])('answers 400 "Username and password are required" for %s', async (_label, body) => {
    const res = await api.post('/user/register', body);
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope('Username and password are required'));
  });

  it('treats a body that is not JSON as empty (lenient parsing, §3)', async () => {
    for (const options of [{ raw: '{"username": "x"', contentType: 'application/json' }, { raw: 'username=x&password=y', contentType: 'text/plain' }]) {
      const res = await api.call('POST', '/user/register', options);
      expect(res.status).toBe(400);
      expect(res.json).toStrictEqual(errorEnvelope('Username and password are required'));
    }
  });

  it.each([...'"%\\\'()*+,/:;<=>?@[]^{|}~`', ' '])('refuses a username containing %j before looking at the e-mail', async (ch) => {
    const res = await api.post('/user/register', { username: `ab${ch}cd`, password: 'weak' });
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope('Username includes invalid characters'));
  });

  it('asks for the e-mail before checking the password', async () => {
    for (const email of [undefined, '', '   ']) {
      const res = await api.post('/user/register', { username: fresh('noemail'), password: 'weak', ...(email === undefined ? {} : { email }) });
      expect(res.status).toBe(400);
      expect(res.json).toStrictEqual(errorEnvelope('Email is required'));
    }
  });

  it.each(['plainaddress', 'a@b', 'a b@example.org', 'a@exa mple.org', '@example.org', 'a@.org'])('answers "Invalid email address" for %j before checking the password', async (email) => {
    const res = await api.post('/user/register', { username: fresh('bademail'), password: 'weak', email });
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope('Invalid email address'));
  });

  it.each([
    ['shorter than 8', 'Sh0rt!a'],
    ['without an upper-case letter', 'passw0rd!'],
    ['without a lower-case letter', 'PASSW0RD!'],
    ['without a digit', 'Password!'],
    ['without punctuation', 'Passw0rdd'],
  ])('refuses a password %s with the exact ≥ message', async (_label, password) => {
    const res = await api.post('/user/register', { ...valid(), password });
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope(WEAK));
    expect((res.json as { message: string }).message).toContain('≥');
  });

  it('answers exactly "Verification email sent!" and mails a 6-digit code through SMTP', async () => {
    const username = fresh('mailme');
    const email = emailOf(username);
    const res = await api.post('/user/register', { username, email, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual(okEnvelope('Verification email sent!'));
    const mail = await smtp.nextMailTo(email, 0);
    expect(mail.subject).toBe('ChatCLI Account Verification Code');
    expect(mail.text).toMatch(/Verification code: [1-9]\d{5}\b/);
    expect(mail.text).toMatch(/5 minutes/);
  });

  it('trims the username and the e-mail', async () => {
    const username = fresh('trim');
    const seen = smtp.mailsTo(emailOf(username)).length;
    const res = await api.post('/user/register', { username: `  ${username}  `, email: `  ${emailOf(username)} `, password: PASSWORD });
    expect(res.status).toBe(200);
    const code = codeOf(await smtp.nextMailTo(emailOf(username), seen));
    expect((await api.post('/user/verify-email', { username, email_token: code })).status).toBe(200);
    expect((await api.post('/user/login', { username, password: PASSWORD })).status).toBe(200);
  });

  it("refuses a verified username in any case with \"User '<as sent>' already exists\"", async () => {
    const username = fresh('taken');
    await signUp(api, smtp, username);
    const res = await api.post('/user/register', { username: username.toUpperCase(), email: 'other@example.org', password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope(`User '${username.toUpperCase()}' already exists`));
  });

  it('re-registers an unverified account: new password, new address, only the new code works', async () => {
    const username = fresh('redo');
    const firstEmail = 'redo-first@example.org';
    const secondEmail = 'redo-second@example.org';
    const oldCode = await registerForCode(api, smtp, username, 'Old-Passw0rd', firstEmail);
    const newCode = await registerForCode(api, smtp, username.toUpperCase(), 'New-Passw0rd', secondEmail);
    expect(smtp.mailsTo(secondEmail)).toHaveLength(1);
    if (oldCode !== newCode) {
      const old = await api.post('/user/verify-email', { username, email_token: oldCode });
      expect(old.status).toBe(400);
      expect(old.json).toStrictEqual(errorEnvelope('Invalid or expired code!'));
    }
    expect((await api.post('/user/verify-email', { username, email_token: newCode })).status).toBe(200);
    const oldPassword = await api.post('/user/login', { username, password: 'Old-Passw0rd' });
    expect(oldPassword.status).toBe(400);
    expect(oldPassword.json).toStrictEqual(errorEnvelope('Username or password is incorrect!'));
    expect((await api.post('/user/login', { username, password: 'New-Passw0rd' })).status).toBe(200);
  });

  // The original's 20-character column made longer names crash with 500; Parley accepts them up
  // to its own limit across protocols (a documented difference, src/protocols/chatcli/README.md).
  it('accepts a username longer than the original 20-character column, up to 255 characters', async () => {
    const res = await api.post('/user/register', { username: 'u'.repeat(21), email: 'long@example.org', password: PASSWORD });
    expect(res.status).toBe(200);
    const tooLong = await api.post('/user/register', { username: 'v'.repeat(256), email: 'longer@example.org', password: PASSWORD });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json).toMatchObject({ status: 'error', response: '' });
  });
});

describe('POST /user/register when mail cannot be sent', () => {
  it('answers 500 "Failed to send verification email", keeps the account, re-issues a code once SMTP is back; reset mail failure → 500', async () => {
    // A port that was free a moment ago: nothing listens there until the sink is started on it.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const down = await startNode({ env: { PARLEY_SMTP_URL: `smtp://127.0.0.1:${port}` }, settings: NO_LIMITS });
    try {
      const downApi = http(down);
      const res = await downApi.post('/user/register', { username: 'nomail', email: 'nomail@example.org', password: PASSWORD });
      expect(res.status).toBe(500);
      expect(res.json).toStrictEqual(errorEnvelope('Failed to send verification email'));
      // The row exists (unverified): login is refused with the usual 400, not a 500.
      const refused = await downApi.post('/user/login', { username: 'nomail', password: PASSWORD });
      expect(refused.status).toBe(400);
      expect(refused.json).toStrictEqual(errorEnvelope('Username or password is incorrect!'));

      const back = await startSmtpSink(port);
      try {
        const code = await registerForCode(downApi, back, 'nomail');
        expect((await downApi.post('/user/verify-email', { username: 'nomail', email_token: code })).status).toBe(200);
        expect((await downApi.post('/user/login', { username: 'nomail', password: PASSWORD })).status).toBe(200);
      } finally {
        await back.close();
      }
      // SMTP gone again: the reset link cannot be mailed (§5.8).
      const reset = await downApi.post('/user/reset-password-request', { username: 'nomail' });
      expect(reset.status).toBe(500);
      expect(reset.json).toStrictEqual(errorEnvelope('Failed to send password reset email'));
    } finally {
      await down.stop();
    }
  });
});

describe('POST /user/verify-email', () => {
  it.each([
    ['an empty body', {}],
    ['no code', { username: 'someone' }],
    ['no username', { email_token: '123456' }],
    ['blank values', { username: ' ', email_token: ' ' }],
  ])('answers 400 "Username and email_token are required" for %s', async (_label, body) => {
    const res = await api.post('/user/verify-email', body);
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope('Username and email_token are required'));
  });

  it('refuses a wrong code without revoking the right one, accepts the right one once', async () => {
    const username = fresh('verify');
    const code = await registerForCode(api, smtp, username);
    const wrong = code === '999999' ? '100000' : '999999';
    const bad = await api.post('/user/verify-email', { username, email_token: wrong });
    expect(bad.status).toBe(400);
    expect(bad.json).toStrictEqual(errorEnvelope('Invalid or expired code!'));

    const ok = await api.post('/user/verify-email', { username: ` ${username.toUpperCase()} `, email_token: ` ${code} ` });
    expect(ok.status).toBe(200);
    expect(ok.json).toStrictEqual(okEnvelope('Email verified!'));

    const again = await api.post('/user/verify-email', { username, email_token: code });
    expect(again.status).toBe(400);
    expect(again.json).toStrictEqual(errorEnvelope('Invalid or expired code!'));
  });

  it('answers "Invalid or expired code!" for an unknown user', async () => {
    const res = await api.post('/user/verify-email', { username: 'nobody-here', email_token: '123456' });
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope('Invalid or expired code!'));
  });
});

describe('POST /user/login', () => {
  it.each([
    ['an empty body', {}],
    ['no password', { username: 'someone' }],
    ['no username', { password: PASSWORD }],
  ])('answers 400 "Username and password required" for %s', async (_label, body) => {
    const res = await api.post('/user/login', body);
    expect(res.status).toBe(400);
    expect(res.json).toStrictEqual(errorEnvelope('Username and password required'));
  });

  it('answers 400 "Username or password is incorrect!" for a wrong password, an unknown user and an unverified account', async () => {
    const verified = await signUp(api, smtp, fresh('login'));
    const unverified = fresh('unver');
    await registerForCode(api, smtp, unverified);
    for (const body of [{ username: verified.username, password: 'Wrong-Passw0rd' }, { username: 'no-such-user', password: PASSWORD }, { username: unverified, password: PASSWORD }]) {
      const res = await api.post('/user/login', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json).toStrictEqual(errorEnvelope('Username or password is incorrect!'));
    }
  });

  it('answers exactly the documented body with a 64-character access and an 86-character refresh token', async () => {
    const account = await signUp(api, smtp, fresh('tokens'));
    const res = await api.post('/user/login', { username: account.username.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual({
      status: 'ok',
      message: 'Login successful',
      response: '',
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
    });
  });

  it('does not revoke earlier sessions', async () => {
    const account = await signUp(api, smtp, fresh('twice'));
    await login(api, account.username);
    expect((await api.post('/chat/fetch-chats', { session_token: account.access })).status).toBe(200);
  });
});

describe('/user/refresh-token', () => {
  const pairOf = (json: unknown) => {
    const body = json as { access_token: string; refresh_token: string };
    return { access: body.access_token, refresh: body.refresh_token };
  };
  const refreshedShape = {
    status: 'ok',
    message: 'Token refreshed',
    response: '',
    access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
    refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
  };

  it('POST rotates: new values, the documented shape, and the new access token works', async () => {
    const account = await signUp(api, smtp, fresh('rot'));
    const res = await api.post('/user/refresh-token', { refresh_token: account.refresh });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual(refreshedShape);
    const next = pairOf(res.json);
    expect(next.access).not.toBe(account.access);
    expect(next.refresh).not.toBe(account.refresh);
    expect((await api.post('/chat/fetch-chats', { session_token: next.access })).status).toBe(200);
  });

  it('GET with a JSON body rotates too (as documented)', async () => {
    const account = await signUp(api, smtp, fresh('getrot'));
    const res = await api.get('/user/refresh-token', { json: { refresh_token: account.refresh } });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual(refreshedShape);
    expect(pairOf(res.json).refresh).not.toBe(account.refresh);
  });

  it('answers 400 "Refresh token required" and 401 "Invalid refresh token"', async () => {
    for (const body of [{}, { refresh_token: '' }]) {
      const res = await api.post('/user/refresh-token', body);
      expect(res.status).toBe(400);
      expect(res.json).toStrictEqual(errorEnvelope('Refresh token required'));
    }
    const missingGet = await api.get('/user/refresh-token');
    expect(missingGet.status).toBe(400);
    expect(missingGet.json).toStrictEqual(errorEnvelope('Refresh token required'));
    const unknown = await api.post('/user/refresh-token', { refresh_token: 'x'.repeat(86) });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toStrictEqual(errorEnvelope('Invalid refresh token'));
  });

  it('answers a quick retry with the same pair, and revokes the family when a token two generations old comes back', async () => {
    const account = await signUp(api, smtp, fresh('reuse'));
    const first = await api.post('/user/refresh-token', { refresh_token: account.refresh });
    expect(first.status).toBe(200);
    const gen1 = pairOf(first.json);

    // Within the 5-second grace, with its successor unused: a lost-response retry gets the same pair.
    const retry = await api.post('/user/refresh-token', { refresh_token: account.refresh });
    expect(retry.status).toBe(200);
    expect(pairOf(retry.json)).toEqual(gen1);

    const second = await api.post('/user/refresh-token', { refresh_token: gen1.refresh });
    expect(second.status).toBe(200);
    const gen2 = pairOf(second.json);

    const replay = await api.post('/user/refresh-token', { refresh_token: account.refresh });
    expect(replay.status).toBe(401);
    expect(replay.json).toStrictEqual(errorEnvelope('Refresh token expired or revoked'));

    const revoked = await api.post('/chat/fetch-chats', { session_token: gen2.access });
    expect(revoked.status).toBe(401);
    expect(revoked.json).toStrictEqual(errorEnvelope('Unable to verify user!', []));
    const newest = await api.post('/user/refresh-token', { refresh_token: gen2.refresh });
    expect(newest.status).toBe(401);
    expect(newest.json).toStrictEqual(errorEnvelope('Refresh token expired or revoked'));
  });
});

describe('password reset', () => {
  async function requestReset(account: Account, asSent = account.username): Promise<URL> {
    const seen = smtp.mailsTo(account.email).length;
    const res = await api.post('/user/reset-password-request', { username: asSent });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual(okEnvelope('Password reset email sent!'));
    const mail = await smtp.nextMailTo(account.email, seen);
    expect(mail.subject).toBe('Password Reset Request for Your ChatCLI Account');
    return resetLinkOf(mail);
  }
  const resetFields = (link: URL) => ({ token: link.searchParams.get('token') ?? '', username: link.searchParams.get('username') ?? '' });

  it('answers 400 "Username is required" and 404 "User not found"', async () => {
    const missing = await api.post('/user/reset-password-request', {});
    expect(missing.status).toBe(400);
    expect(missing.json).toStrictEqual(errorEnvelope('Username is required'));
    const unknown = await api.post('/user/reset-password-request', { username: 'nobody-at-all' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toStrictEqual(errorEnvelope('User not found'));
  });

  it('mails a reset link to an account that has not verified its address yet (§5.8 has no such check)', async () => {
    const username = fresh('unverreset');
    await registerForCode(api, smtp, username);
    const seen = smtp.mailsTo(emailOf(username)).length;
    const res = await api.post('/user/reset-password-request', { username });
    expect(res.status).toBe(200);
    expect(res.json).toStrictEqual(okEnvelope('Password reset email sent!'));
    expect(resetLinkOf(await smtp.nextMailTo(emailOf(username), seen)).searchParams.get('username')).toBe(username);
  });

  it('mails a link on the node\'s own URL with the token and the stored username', async () => {
    const account = await signUp(api, smtp, fresh('link'));
    const link = await requestReset(account, account.username.toUpperCase());
    expect(link.origin).toBe(new URL(node.url).origin);
    expect(link.pathname).toBe('/user/reset-password');
    expect([...link.searchParams.keys()].sort()).toEqual(['token', 'username']);
    expect(link.searchParams.get('token')).toMatch(/^t0k3n[A-Za-z0-9_-]{22}$/);
    expect(link.searchParams.get('username')).toBe(account.username);
  });

  it('GET renders the form with hidden token and username inputs; missing parameters → 400', async () => {
    const account = await signUp(api, smtp, fresh('form'));
    const link = await requestReset(account);
    const { token, username } = resetFields(link);
    const page = await api.get(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<form[^>]*method="POST"[^>]*action="\/user\/reset-password"|<form[^>]*action="\/user\/reset-password"[^>]*method="POST"/i);
    expect(page.body).toContain(`<input type="hidden" name="token" value="${token}">`);
    expect(page.body).toContain(`<input type="hidden" name="username" value="${username}">`);
    expect(page.body).toMatch(/name="password"/);
    expect(page.body).toMatch(/name="confirm_password"/);
    for (const query of ['', `?token=${token}`, `?username=${username}`]) {
      const res = await api.get(`/user/reset-password${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body, query).toContain('Missing query parameters.');
    }
  });

  it('POST (form or JSON) validates in order and resets once; old password and old sessions stop working', async () => {
    const account = await signUp(api, smtp, fresh('reset'));
    const other = await signUp(api, smtp, fresh('bystander'));
    const link = await requestReset(account);
    const { token, username } = resetFields(link);
    const post = (form: Record<string, string>) => api.postForm('/user/reset-password', form);

    const cases: [Record<string, string>, string][] = [
      [{ password: 'N3w-Passw0rd', confirm_password: 'N3w-Passw0rd' }, 'Missing username or token'],
      [{ token, password: 'N3w-Passw0rd', confirm_password: 'N3w-Passw0rd' }, 'Missing username or token'],
      [{ username, password: 'N3w-Passw0rd', confirm_password: 'N3w-Passw0rd' }, 'Missing username or token'],
      [{ token, username, password: 'N3w-Passw0rd', confirm_password: 'Other-Passw0rd' }, 'Passwords do not match'],
      [{ token, username, password: 'weakpass', confirm_password: 'weakpass' }, WEAK],
      [{ token, username }, WEAK],
      [{ token: 't0k3nAAAAAAAAAAAAAAAAAAAAAA', username, password: 'N3w-Passw0rd', confirm_password: 'N3w-Passw0rd' }, 'Invalid or expired reset link'],
      [{ token, username: other.username, password: 'N3w-Passw0rd', confirm_password: 'N3w-Passw0rd' }, 'Username does not match'],
    ];
    for (const [form, error] of cases) {
      for (const res of [await post(form), await api.post('/user/reset-password', form)]) {
        expect(res.status, JSON.stringify(form)).toBe(400);
        expect(res.json, JSON.stringify(form)).toStrictEqual({ error });
      }
    }

    const ok = await post({ token, username, password: 'N3w-Passw0rd', confirm_password: 'N3w-Passw0rd' });
    expect(ok.status).toBe(200);
    expect(ok.json).toStrictEqual({ message: 'Password reset successfully' });

    for (const again of [
      await post({ token, username, password: 'An0ther-Passw0rd', confirm_password: 'An0ther-Passw0rd' }),
      await api.post('/user/reset-password', { token, username, password: 'An0ther-Passw0rd', confirm_password: 'An0ther-Passw0rd' }),
    ]) {
      expect(again.status).toBe(400);
      expect(again.json).toStrictEqual({ error: 'Invalid or expired reset link' });
    }

    expect((await api.post('/user/login', { username: account.username, password: PASSWORD })).status).toBe(400);
    expect((await api.post('/user/login', { username: account.username, password: 'N3w-Passw0rd' })).status).toBe(200);
    const old = await api.post('/chat/fetch-chats', { session_token: account.access });
    expect(old.status).toBe(401);
    expect(old.json).toStrictEqual(errorEnvelope('Unable to verify user!', []));
  });

  it('POST accepts a JSON body, and token and username from the query string', async () => {
    const account = await signUp(api, smtp, fresh('jsonreset'));
    const { token, username } = resetFields(await requestReset(account));
    const json = await api.post('/user/reset-password', { token, username, password: 'Js0n-Passw0rd', confirm_password: 'Js0n-Passw0rd' });
    expect(json.status).toBe(200);
    expect(json.json).toStrictEqual({ message: 'Password reset successfully' });
    expect((await api.post('/user/login', { username, password: 'Js0n-Passw0rd' })).status).toBe(200);

    const link = await requestReset(account);
    const query = await api.call('POST', `${link.pathname}${link.search}`, { form: { password: 'Qu3ry-Passw0rd', confirm_password: 'Qu3ry-Passw0rd' } });
    expect(query.status).toBe(200);
    expect(query.json).toStrictEqual({ message: 'Password reset successfully' });
    expect((await api.post('/user/login', { username, password: 'Qu3ry-Passw0rd' })).status).toBe(200);
  });
});

describe('chat routes', () => {
  let alice: Account;
  let bob: Account;
  let carol: Account;
  beforeAll(async () => {
    alice = await signUp(api, smtp, fresh('alice'));
    bob = await signUp(api, smtp, fresh('bob'));
    carol = await signUp(api, smtp, fresh('carol'));
  });
  const BAD = 'B'.repeat(64);

  describe('strict body parsing', () => {
    it.each(['/chat/fetch-chats', '/chat/create-chat', '/chat/messages', '/chat/delete-chat'])('%s: wrong content type → HTML 415, malformed JSON → HTML 400', async (path) => {
      const wrongType = await api.call('POST', path, { raw: 'session_token=x', contentType: 'application/x-www-form-urlencoded' });
      expect(wrongType.status).toBe(415);
      expect(wrongType.contentType).toMatch(/^text\/html/);
      const plain = await api.call('POST', path, { raw: '{}', contentType: 'text/plain' });
      expect(plain.status).toBe(415);
      expect(plain.contentType).toMatch(/^text\/html/);
      const malformed = await api.call('POST', path, { raw: '{"session_token": ', contentType: 'application/json' });
      expect(malformed.status).toBe(400);
      expect(malformed.contentType).toMatch(/^text\/html/);
    });
  });

  describe('POST /chat/create-chat', () => {
    it.each([
      ['an empty body', {}],
      ['no receiver', { session_token: 'x' }],
      ['no token', { receiver: 'bob' }],
    ])('answers 400 "Session token and receiver are required" for %s', async (_label, body) => {
      const res = await api.post('/chat/create-chat', body);
      expect(res.status).toBe(400);
      expect(res.json).toStrictEqual(errorEnvelope('Session token and receiver are required'));
    });

    it('answers 400 for a bad token, an unknown receiver and oneself', async () => {
      const bad = await api.post('/chat/create-chat', { session_token: BAD, receiver: bob.username });
      expect(bad.status).toBe(400);
      expect(bad.json).toStrictEqual(errorEnvelope('Unable to verify user!'));
      const unknown = await api.post('/chat/create-chat', { session_token: alice.access, receiver: 'no-such-user' });
      expect(unknown.status).toBe(400);
      expect(unknown.json).toStrictEqual(errorEnvelope('Sender or receiver not found!'));
      for (const receiver of [alice.username, alice.username.toUpperCase()]) {
        const self = await api.post('/chat/create-chat', { session_token: alice.access, receiver });
        expect(self.status).toBe(400);
        expect(self.json).toStrictEqual(errorEnvelope('Cannot chat with yourself.'));
      }
    });

    it('creates a chat (receiver in any case) with the added chatID, then 409 in either direction', async () => {
      const dave = await signUp(api, smtp, fresh('dave'));
      const res = await api.post('/chat/create-chat', { session_token: dave.access, receiver: carol.username.toUpperCase() });
      expect(res.status).toBe(200);
      expect(res.json).toStrictEqual({ status: 'ok', message: '', response: 'Chat created successfully!', chatID: expect.any(Number) });
      for (const [from, to] of [[dave, carol], [carol, dave]] as const) {
        const dup = await api.post('/chat/create-chat', { session_token: from.access, receiver: to.username });
        expect(dup.status).toBe(409);
        expect(dup.json).toStrictEqual(errorEnvelope('Chat already exists between these users!'));
      }
    });
  });

  describe('POST /chat/fetch-chats', () => {
    it('answers 401 with an empty list for a bad token', async () => {
      const res = await api.post('/chat/fetch-chats', { session_token: BAD });
      expect(res.status).toBe(401);
      expect(res.json).toStrictEqual({ status: 'error', message: 'Unable to verify user!', response: [] });
    });

    it('lists each chat with the other member\'s name, in the {response, status} shape', async () => {
      const erin = await signUp(api, smtp, fresh('erin'));
      const frank = await signUp(api, smtp, fresh('frank'));
      const withFrank = await createChat(api, erin, frank);
      const withAlice = await createChat(api, alice, erin);
      const mine = await api.post('/chat/fetch-chats', { session_token: erin.access });
      expect(mine.status).toBe(200);
      expect(Object.keys(mine.json as object).sort()).toEqual(['response', 'status']);
      expect((mine.json as { status: string }).status).toBe('ok');
      const list = (mine.json as { response: unknown[] }).response;
      expect(list).toHaveLength(2);
      expect(list).toEqual(expect.arrayContaining([{ chatID: withFrank, name: frank.username, online: false }, { chatID: withAlice, name: alice.username, online: false }]));
      const theirs = await api.post('/chat/fetch-chats', { session_token: frank.access });
      expect(theirs.json).toStrictEqual({ response: [{ chatID: withFrank, name: erin.username, online: false }], status: 'ok' });
    });

    it('omits a chat whose other member left', async () => {
      const gina = await signUp(api, smtp, fresh('gina'));
      const hank = await signUp(api, smtp, fresh('hank'));
      const chatID = await createChat(api, gina, hank);
      expect((await api.post('/chat/delete-chat', { session_token: hank.access, chatID })).status).toBe(200);
      expect((await api.post('/chat/fetch-chats', { session_token: gina.access })).json).toStrictEqual({ response: [], status: 'ok' });
      expect((await api.post('/chat/fetch-chats', { session_token: hank.access })).json).toStrictEqual({ response: [], status: 'ok' });
    });
  });

  describe('POST /chat/messages', () => {
    let chatID: number;
    const TOTAL = 55;
    beforeAll(async () => {
      const ivan = await signUp(api, smtp, fresh('ivan'));
      chatID = await createChat(api, ivan, bob);
      // Messages are posted the only way ChatCLI has: over its WebSocket.
      const socket = await openChatSocket(node, ivan.access);
      await joinChat(socket, chatID);
      for (let i = 1; i <= TOTAL; i++) socket.send({ type: 'post_msg', chatID, text: `m${i}` });
      await socket.next((f) => f['type'] === 'new_message' && f['message'] === `m${TOTAL}`);
      socket.close();
      await socket.raw.closed;
    });
    const history = (body: Record<string, unknown>) => api.post('/chat/messages', { username: 'ignored', session_token: bob.access, chatID, ...body });

    it.each([
      ['an empty body', {}],
      ['no username', { session_token: 'x', chatID: 1 }],
      ['no session_token', { username: 'x', chatID: 1 }],
      ['no chatID', { username: 'x', session_token: 'x' }],
    ])('answers 400 for %s', async (_label, body) => {
      const res = await api.post('/chat/messages', body);
      expect(res.status).toBe(400);
      expect(res.json).toStrictEqual(errorEnvelope('username, session_token and chatID are required'));
    });

    it('checks the limit before the token', async () => {
      const notInt = await api.post('/chat/messages', { username: 'x', session_token: BAD, chatID, limit: 'abc' });
      expect(notInt.status).toBe(400);
      expect(notInt.json).toStrictEqual(errorEnvelope('limit must be an integer'));
      for (const limit of [0, 201, -5]) {
        const res = await api.post('/chat/messages', { username: 'x', session_token: BAD, chatID, limit });
        expect(res.status, String(limit)).toBe(400);
        expect(res.json).toStrictEqual(errorEnvelope('limit must be between 1 and 200'));
      }
      const bad = await api.post('/chat/messages', { username: 'x', session_token: BAD, chatID, limit: 10 });
      expect(bad.status).toBe(401);
      expect(bad.json).toStrictEqual(errorEnvelope('Unable to verify user!'));
    });

    it('answers the newest 50 by default, oldest first, in the documented shape', async () => {
      const res = await history({});
      expect(res.status).toBe(200);
      const body = res.json as { status: string; message: string; response: Record<string, unknown>[] };
      expect(Object.keys(body).sort()).toEqual(['message', 'response', 'status']);
      expect(body.status).toBe('ok');
      expect(body.message).toBe('');
      expect(body.response.map((m) => m['message'])).toEqual(Array.from({ length: 50 }, (_, i) => `m${i + 6}`));
      for (const m of body.response) {
        expect(m).toStrictEqual({ messageID: expect.any(Number), userID: expect.any(Number), username: expect.stringMatching(/^ivan/), message: expect.any(String), timestamp: expect.stringMatching(TIMESTAMP) });
      }
      const ids = body.response.map((m) => m['messageID'] as number);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    });

    it('answers the newest `limit` messages oldest first, up to 200', async () => {
      const three = await history({ limit: 3 });
      expect((three.json as { response: { message: string }[] }).response.map((m) => m.message)).toEqual(['m53', 'm54', 'm55']);
      const one = await history({ limit: 1 });
      expect((one.json as { response: { message: string }[] }).response.map((m) => m.message)).toEqual(['m55']);
      const all = await history({ limit: 200 });
      expect((all.json as { response: unknown[] }).response).toHaveLength(TOTAL);
    });

    it('answers 404 "Chat not found or access denied" to a non-member and for an unknown chat', async () => {
      for (const body of [{ username: 'x', session_token: carol.access, chatID }, { username: 'x', session_token: bob.access, chatID: 987654 }]) {
        const res = await api.post('/chat/messages', body);
        expect(res.status).toBe(404);
        expect(res.json).toStrictEqual(errorEnvelope('Chat not found or access denied'));
      }
    });
  });

  describe('POST /chat/delete-chat', () => {
    it.each([
      ['an empty body', {}],
      ['no chatID', { session_token: 'x' }],
      ['no token', { chatID: 1 }],
    ])('answers 400 "Session token and chatID are required" for %s', async (_label, body) => {
      const res = await api.post('/chat/delete-chat', body);
      expect(res.status).toBe(400);
      expect(res.json).toStrictEqual(errorEnvelope('Session token and chatID are required'));
    });

    it('answers 401 for a bad token and 404 for a non-member', async () => {
      const chatID = await createChat(api, carol, bob);
      const bad = await api.post('/chat/delete-chat', { session_token: BAD, chatID });
      expect(bad.status).toBe(401);
      expect(bad.json).toStrictEqual(errorEnvelope('Unable to verify user!'));
      const outsider = await api.post('/chat/delete-chat', { session_token: alice.access, chatID });
      expect(outsider.status).toBe(404);
      expect(outsider.json).toStrictEqual(errorEnvelope('Chat not found or access denied'));
    });

    it('lets each member leave; once both left the chat and its messages are gone', async () => {
      const jack = await signUp(api, smtp, fresh('jack'));
      const kate = await signUp(api, smtp, fresh('kate'));
      const chatID = await createChat(api, jack, kate);
      const socket = await openChatSocket(node, jack.access);
      await joinChat(socket, chatID);
      socket.send({ type: 'post_msg', chatID, text: 'before leaving' });
      await socket.nextOf('new_message');
      socket.close();

      const left = await api.post('/chat/delete-chat', { session_token: jack.access, chatID });
      expect(left.status).toBe(200);
      expect(left.json).toStrictEqual(okEnvelope('Chat deleted successfully!'));
      const read = (who: Account) => api.post('/chat/messages', { username: who.username, session_token: who.access, chatID });
      expect((await read(jack)).status).toBe(404);
      expect((await read(kate)).status).toBe(200);
      expect((await api.post('/chat/fetch-chats', { session_token: kate.access })).json).toStrictEqual({ response: [], status: 'ok' });

      const last = await api.post('/chat/delete-chat', { session_token: kate.access, chatID: String(chatID) });
      expect(last.status).toBe(200);
      expect(last.json).toStrictEqual(okEnvelope('Chat deleted successfully!'));
      for (const who of [jack, kate]) {
        const res = await read(who);
        expect(res.status).toBe(404);
        expect(res.json).toStrictEqual(errorEnvelope('Chat not found or access denied'));
      }
      // A new chat between the two starts empty.
      const again = await createChat(api, jack, kate);
      const fresh2 = await api.post('/chat/messages', { username: 'x', session_token: kate.access, chatID: again });
      expect((fresh2.json as { response: unknown[] }).response).toEqual([]);
    });
  });
});

describe('rate limits (default settings)', () => {
  let limited: TestNode;
  let limitedApi: Http;
  beforeAll(async () => {
    limited = await startNode({ env: { PARLEY_SMTP_URL: smtp.url }, settings: testSettings() });
    limitedApi = http(limited);
  });
  afterAll(() => limited?.stop());

  it('answers repeated wrong logins for one account with 429 in the ChatCLI envelope', async () => {
    const statuses: number[] = [];
    let last: unknown;
    for (let i = 0; i < 30 && !statuses.includes(429); i++) {
      const res = await limitedApi.post('/user/login', { username: 'victim', password: `Wrong-${i}` });
      statuses.push(res.status);
      last = res.json;
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true);
    expect(last).toStrictEqual({ status: 'error', message: expect.any(String), response: '' });
  });

  it('answers registrations from one address beyond the limit with 429', async () => {
    const statuses: number[] = [];
    let last: unknown;
    for (let i = 0; i < 30 && !statuses.includes(429); i++) {
      const username = `flood${i}`;
      const res = await limitedApi.post('/user/register', { username, email: emailOf(username), password: PASSWORD });
      statuses.push(res.status);
      last = res.json;
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(last).toStrictEqual({ status: 'error', message: expect.any(String), response: '' });
  });
});
