import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBarertcJwt } from '../../../src/protocols/barertc/jwt.js';
import { parseBarertcSettings, type BarertcSettings } from '../../../src/protocols/barertc/settings.js';
import { ssoRoutes } from '../../../src/protocols/barertc/sso.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { action, BareClient } from './barertc-client.js';

// reference/barertc.md §2.3 `GET|POST /`, §3 (JWT single sign-on) and §4.5 (login with a JWT), on a
// node whose website vouches for its users (JWT Enabled and Strict, a landing page), plus the
// other settings through the same routes in a bare Fastify app.

const SECRET = 'the website and the chat share this secret';
const LANDING = 'https://www.example.com/chat-login';
const now = () => Math.floor(Date.now() / 1000);

/** A token as the website signs it. */
async function token(claims: Record<string, unknown>, o: { secret?: string; exp?: number } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime(o.exp ?? now() + 300).sign(new TextEncoder().encode(o.secret ?? SECRET));
}

/** The value of one of the page's `const Name = …;` constants (§2.3). */
function constant(html: string, name: string): unknown {
  const m = new RegExp(`^const ${name} = (.*);$`, 'm').exec(html);
  if (!m?.[1]) throw new Error(`no constant ${name}`);
  return JSON.parse(m[1]) as unknown;
}

let node: TestNode;
beforeAll(async () => {
  node = await startNode({
    settings: testSettings(`${NO_RATE_LIMITS}
[barertc.JWT]
Enabled = true
Strict = true
SecretKey = "${SECRET}"
LandingPageURL = "${LANDING}"

[barertc.Timings]
PresenceWarmupSeconds = 0
WhoWarmupSeconds = 0
PingIntervalSeconds = 0.3
`),
  });
});
afterAll(() => node?.stop());

const get = (url: string) => node.server.app.inject({ method: 'GET', url });

describe('GET|POST / with JWT Enabled and Strict (§2.3, §3)', () => {
  it('redirects a visitor without a token to LandingPageURL with 302', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(302);
    expect(res.headers['location']).toBe(LANDING);
  });

  it('renders the chat page for a valid token, handing the token, claims and rules to the page as BareRTC does', async () => {
    const jwt = await token({ sub: 'pagey', nick: 'Page Y.', op: true, img: '/p.png', rules: ['novideo'] });
    const res = await get(`/?jwt=${encodeURIComponent(jwt)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(constant(res.body, 'UserJWTToken')).toBe(jwt);
    expect(constant(res.body, 'UserJWTValid')).toBe(true);
    expect(constant(res.body, 'UserJWTClaims')).toStrictEqual({ sub: 'pagey', nick: 'Page Y.', op: true, img: '/p.png', rules: ['novideo'] });
    expect(constant(res.body, 'UserJWTRules')).toStrictEqual({ IsNoVideoRule: true, IsNoImageRule: false, IsNoBroadcastRule: true, IsRedCamRule: false, IsNoDarkVideoRule: false });
    expect(constant(res.body, 'CachedBlocklist')).toStrictEqual([]);
    expect((constant(res.body, 'PublicChannels') as { ID: string }[]).map((c) => c.ID)).toStrictEqual(['lobby', 'offtopic', 'vip']);
    expect(constant(res.body, 'WebsiteURL')).toBe('https://www.example.com');
    expect(constant(res.body, 'PermitNSFW')).toBe(false);
  });

  it('reads the token from a POSTed form field too (a token too long for a URL)', async () => {
    const jwt = await token({ sub: 'former' });
    const res = await node.server.app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ jwt }).toString() });
    expect(res.statusCode).toBe(200);
    expect(constant(res.body, 'UserJWTClaims')).toStrictEqual({ sub: 'former' });
  });

  it.each([
    ['expired', () => token({ sub: 'late' }, { exp: now() - 120 }), 'Error parsing your JWT token: token is expired'],
    ['signed with another secret', () => token({ sub: 'forger' }, { secret: 'not the shared secret' }), 'Error parsing your JWT token: signature is invalid'],
    ['garbled', async () => 'garbage', 'Error parsing your JWT token: token is malformed'],
  ])('answers 403 with the parse error for a token that is %s', async (_what, make, body) => {
    const res = await get(`/?jwt=${encodeURIComponent(await make())}`);
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe(body);
  });

  it('keeps claims from breaking out of the page script', async () => {
    const jwt = await token({ sub: 'x</script><script>alert(1)</script>', nick: '<!--' });
    const res = await get(`/?jwt=${encodeURIComponent(jwt)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).not.toContain('<!--');
    expect((constant(res.body, 'UserJWTClaims') as { sub: string }).sub).toBe('x</script><script>alert(1)</script>');
  });

  it('serves /about and /logout as HTML pages (§2.2)', async () => {
    const about = await get('/about');
    expect(about.statusCode).toBe(200);
    expect(about.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(about.body).toContain('About BareRTC');
    const logout = await get('/logout');
    expect(logout.statusCode).toBe(200);
    expect(logout.body).toMatch(/logged out/i);
  });

  it("says where each protocol lives, ChatCLI's socket on its own listener", async () => {
    const res = await get(`/?jwt=${encodeURIComponent(await token({ sub: 'reader' }))}`);
    for (const where of ['/ws', '/poll', '/api/v1', '/websocket/chat_bot/', '/invite', `${node.server.chatcliUrl}/ws`]) expect(res.body).toContain(where);
  });
});

describe('GET / under other [barertc.JWT] settings (§3; Parley refuses tokens when JWT is off or has no secret)', () => {
  let app: FastifyInstance;
  let settings: BarertcSettings;
  const use = (jwt: Record<string, unknown>) => {
    const parsed = parseBarertcSettings({ JWT: jwt }, 'unused-admin-api-key');
    if (!parsed.ok) throw new Error(parsed.error.message);
    settings = parsed.settings;
  };
  beforeAll(async () => {
    app = Fastify();
    await app.register(ssoRoutes({ settings: () => settings, locations: () => ({ chatcliUrl: '' }) }));
  });
  afterAll(() => app.close());
  const page = (url: string) => app.inject({ method: 'GET', url });

  it('JWT off: the page renders for everyone, without a token', async () => {
    use({});
    const res = await page('/');
    expect(res.statusCode).toBe(200);
    expect(constant(res.body, 'UserJWTValid')).toBe(false);
    expect(constant(res.body, 'UserJWTToken')).toBe('');
    expect(constant(res.body, 'UserJWTClaims')).toStrictEqual({});
  });

  it('JWT off: a token, even one signed with the secret, is refused with 403 (BareRTC accepts it)', async () => {
    use({ SecretKey: SECRET });
    const res = await page(`/?jwt=${await token({ sub: 'sneaky', op: true })}`);
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('Error parsing your JWT token: JWT authentication is not enabled on this server');
  });

  it('JWT on with an empty secret: every token is refused', async () => {
    use({ Enabled: true, Strict: false, SecretKey: '' });
    const res = await page(`/?jwt=${await token({ sub: 'sneaky', op: true }, { secret: 'x' })}`);
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('Error parsing your JWT token: JWT authentication has no secret key configured on this server');
  });

  it('Strict without a LandingPageURL: 403 "Authentication denied."', async () => {
    use({ Enabled: true, Strict: true, SecretKey: SECRET });
    const res = await page('/');
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('Authentication denied. Please go back and try again.');
  });

  it('Enabled but not Strict: guests get the page, a valid token its claims', async () => {
    use({ Enabled: true, Strict: false, SecretKey: SECRET });
    expect((await page('/')).statusCode).toBe(200);
    const res = await page(`/?jwt=${await token({ sub: 'member' })}`);
    expect(constant(res.body, 'UserJWTValid')).toBe(true);
  });
});

describe('socket login with a JWT (§3 step 4, §4.5)', () => {
  it("provisions the website user from the claims, ignoring the client's username, and shows the claims in who", async () => {
    const client = await BareClient.open(node.wsUrl);
    client.send({ action: 'login', username: 'ignored', jwt: await token({ sub: 'webby', nick: 'Webby W.', op: true, vip: true, img: '/w.png', url: '/u/webby', emoji: '🤖', gender: 'm' }) });
    expect(await client.next(action('me'))).toStrictEqual({ action: 'me', username: 'webby', video: 0 });
    const who = await client.whoUntil((list) => list.some((e) => e['username'] === 'webby'));
    expect(who.find((e) => e['username'] === 'webby')).toStrictEqual({
      username: 'webby', nickname: 'Webby W.', status: 'online', video: 0, loginAt: expect.any(Number), op: true, vip: true,
      avatar: '/w.png', profileURL: '/u/webby', emoji: '🤖', gender: 'm',
    });
    const user = await node.server.core.users.findByUsername('webby');
    expect(user).toMatchObject({ username: 'webby', displayName: 'Webby W.', source: 'website' });
    await expect(node.server.core.users.authenticate('webby', '')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await client.close();
  });

  it('sends a refreshed 5-minute token (and the rules) on every ping to a JWT user', async () => {
    const client = await BareClient.open(node.wsUrl);
    client.send({ action: 'login', jwt: await token({ sub: 'pinged', rules: ['redcam'] }) });
    await client.next(action('me'));
    const ping = await client.next(action('ping'));
    expect(Object.keys(ping).sort()).toStrictEqual(['action', 'jwt', 'jwtRules']);
    const refreshed = decodeJwt(ping['jwt'] as string);
    expect(refreshed.exp! - refreshed.iat!).toBe(300);
    expect(await verifyBarertcJwt(node.config.barertc.JWT, ping['jwt'] as string)).toStrictEqual({ sub: 'pinged', rules: ['redcam'] });
    expect(ping['jwtRules']).toStrictEqual({ IsNoVideoRule: false, IsNoImageRule: false, IsNoBroadcastRule: false, IsRedCamRule: true, IsNoDarkVideoRule: false });
    await client.close();
  });

  it("refuses a website login over a local account of the same name, and logs nobody in", async () => {
    await node.server.core.users.register({ username: 'localsam', password: 'pw-pw-pw-1A!' });
    const client = await BareClient.open(node.wsUrl);
    client.send({ action: 'login', jwt: await token({ sub: 'LocalSam', op: true }) });
    expect(await client.next()).toStrictEqual({ action: 'error', username: 'ChatServer', message: 'That username belongs to a registered account on this server and cannot be used here.' });
    client.send({ action: 'message', channel: 'lobby', message: 'hi' });
    expect(await client.next()).toStrictEqual({ action: 'error', username: 'ChatServer', message: 'You must log in first.' });
    await client.close();
  });

  it.each([
    ['no token while Strict', async () => undefined, 'Server side authentication is required. Please go back and launch the chat room from your logged-in account.'],
    ['an expired token', () => token({ sub: 'late' }, { exp: now() - 120 }), 'Your authentication has expired. Please go back and launch the chat room again.'],
    ['a token signed with another secret', () => token({ sub: 'forger', op: true }, { secret: 'nope' }), 'Your authentication has expired. Please go back and launch the chat room again.'],
  ])('answers %s with a ChatServer error and keeps the socket open, logged out', async (_what, make, message) => {
    const client = await BareClient.open(node.wsUrl);
    const jwt = await make();
    client.send({ action: 'login', username: 'guesty', ...(jwt ? { jwt } : {}) });
    expect(await client.next()).toStrictEqual({ action: 'error', username: 'ChatServer', message });
    client.send({ action: 'message', channel: 'lobby', message: 'hi' });
    expect(await client.next()).toStrictEqual({ action: 'error', username: 'ChatServer', message: 'You must log in first.' });
    await client.close();
  });
});
