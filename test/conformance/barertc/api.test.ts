import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { eventually } from '../../helpers/wait.js';
import { startWebsite, type Website } from '../../helpers/website.js';
import { action, BareClient, BARERTC_TEST_SETTINGS, type BareFrame } from './barertc-client.js';

// reference/barertc.md §2: BareRTC's admin and user web API, against real nodes on port 0.
const KEY = '00000000-0000-4000-8000-000000000000';
const SECRET = 'api-test-secret-api-test-secret-api-test';

/** The website's profile webhook: answers by the Username asked for, records what it was sent. */
const hookCalls: Record<string, unknown>[] = [];
let hook: Website;
let node: TestNode; // JWT on, DM history on, profile webhook on
let noDb: TestNode; // JWT on, DM history off, profile webhook unreachable
let plain: TestNode; // BareRTC's defaults: JWT off, no secret
let shutdowns = 0;

const settings = (extra: string, dmHistory = true) =>
  testSettings(`${NO_RATE_LIMITS}\n[barertc]\nCORSHosts = ["https://www.example.com"]\n${BARERTC_TEST_SETTINGS.replace('Enabled = true', `Enabled = ${dmHistory}`)}${extra}`);
const jwtOn = `\n[barertc.JWT]\nEnabled = true\nStrict = false\nSecretKey = "${SECRET}"\n`;
const webhook = (url: string) => `\n[[barertc.WebhookURLs]]\nName = "profile"\nEnabled = true\nURL = "${url}"\n`;

beforeAll(async () => {
  hook = await startWebsite((call, res) => {
    hookCalls.push(call);
    const answers: Record<string, string> = {
      pat: JSON.stringify({ StatusCode: 200, Data: { OK: true, Error: '', Headline: 'Hello', ProfileFields: [{ Name: 'Age', Value: '30yo' }] } }),
      denied: JSON.stringify({ StatusCode: 403, Data: { OK: false, Error: 'Not allowed' } }),
      broken: JSON.stringify({ StatusCode: 200, Data: { OK: false, Error: 'No such user' } }),
      html: '<html>oops</html>',
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(answers[String(call['Username'])] ?? '{}');
  });
  const hookUrl = `${hook.url}/profile`;
  // A port that was open a moment ago and is closed now: nothing answers there.
  const closed = createHttpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/profile`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  [node, noDb, plain] = await Promise.all([
    startNode({ settings: settings(jwtOn + webhook(hookUrl)), shutdown: () => void shutdowns++ }),
    startNode({ settings: settings(jwtOn + webhook(deadUrl), false) }),
    startNode({ settings: testSettings(`${NO_RATE_LIMITS}\n[barertc.Timings]\nPresenceWarmupSeconds = 0\nWhoWarmupSeconds = 0\n`) }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([node?.stop(), noDb?.stop(), plain?.stop()]);
  await hook.close();
});

/** POST a JSON body (an object is stringified; a string is sent as is). */
async function post(target: TestNode, path: string, body: unknown, init: { contentType?: string; method?: string } = {}): Promise<{ status: number; text: string; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${target.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': init.contentType ?? 'application/json' },
    ...((init.method ?? 'POST') === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // some answers are empty (preflights)
  }
  return { status: res.status, text, json, headers: res.headers };
}

const token = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));

/** Log in with a JWT for `sub` and read up to the own "has joined" line. */
async function website(target: TestNode, sub: string, extra: Record<string, unknown> = {}): Promise<{ client: BareClient; jwt: string }> {
  const jwt = await token({ sub, ...extra });
  const client = await BareClient.open(target.wsUrl);
  client.send({ action: 'login', username: 'ignored', jwt });
  await client.next(action('me'));
  await client.next((f) => f.action === 'presence' && f['username'] === sub && f['message'] === 'has joined the room!');
  return { client, jwt };
}

const names = (list: Record<string, unknown>[]) => list.map((e) => e['username']);

describe('§2.1 rules common to every JSON endpoint', () => {
  it('refuses another method than POST, pretty-printed with a two-space indent', async () => {
    const res = await post(node, '/api/shutdown', null, { method: 'GET' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.text).toBe('{\n  "OK": false,\n  "Error": "Only POST methods allowed"\n}\n');
    expect((await post(node, '/api/blocklist', { APIKey: KEY }, { method: 'PUT' })).json).toEqual({ OK: false, Error: 'Only POST methods allowed' });
  });

  it('refuses a content type other than application/json, and accepts one with a charset', async () => {
    const res = await post(node, '/api/blocklist', { APIKey: KEY, Username: 'x' }, { contentType: 'text/plain' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ OK: false, Error: 'Only application/json content-types allowed' });
    const ok = await post(node, '/api/blocklist', { APIKey: KEY, Username: 'x', Blocklist: [] }, { contentType: 'application/json; charset=utf-8' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('{\n  "OK": true\n}\n');
  });

  it('answers a body that is not JSON with the decoder\'s text, short and without a stack', async () => {
    // The documentation's own example has a trailing comma: refused, as BareRTC does.
    const res = await post(node, '/api/blocklist', `{"APIKey":"${KEY}","Username":"x","Blocklist":["a"],}`);
    expect(res.status).toBe(400);
    expect(res.json['OK']).toBe(false);
    expect(typeof res.json['Error']).toBe('string');
    expect((res.json['Error'] as string).length).toBeGreaterThan(0);
    expect(res.text).not.toMatch(/\n\s+at /);
    expect((await post(node, '/api/blocklist', '[1]')).json).toEqual({ OK: false, Error: 'json: cannot unmarshal array into Go value of type struct' });
    expect((await post(node, '/api/blocklist', { APIKey: 7 })).json).toEqual({ OK: false, Error: 'json: cannot unmarshal number into Go struct field .APIKey of type string' });
  });

  it('refuses a wrong or missing APIKey with 401 on every admin endpoint', async () => {
    for (const path of ['/api/authenticate', '/api/authentication', '/api/shutdown', '/api/blocklist', '/api/block/now', '/api/disconnect/now', '/api/amend-jwt']) {
      for (const body of [{ APIKey: 'x'.repeat(KEY.length) }, {}]) {
        const res = await post(node, path, body);
        expect([path, res.status, res.json]).toEqual([path, 401, { OK: false, Error: 'Authentication denied.' }]);
      }
    }
    expect(shutdowns).toBe(0);
  });

  it('refuses a body over the size limit before parsing it', async () => {
    const res = await post(node, '/api/blocklist', { APIKey: KEY, Username: 'x', Blocklist: ['y'.repeat(600 * 1024)] });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ OK: false, Error: 'Request body is too large' });
  });
});

describe('/api/statistics', () => {
  it('counts the users on the roster and their cameras, leaving hidden operators out', async () => {
    const empty = await post(plain, '/api/statistics', null, { method: 'GET' });
    expect(empty.status).toBe(200);
    expect(empty.json).toEqual({ UserCount: 0, Usernames: [], Cameras: { Blue: 0, Red: 0 } });

    const blue = await BareClient.guest(plain.wsUrl, 'stat-blue');
    const red = await BareClient.guest(plain.wsUrl, 'stat-red');
    const quiet = await BareClient.guest(plain.wsUrl, 'stat-quiet');
    blue.client.send({ action: 'me', video: 1 });
    red.client.send({ action: 'me', video: 1 | 2 });
    quiet.client.send({ action: 'me', video: 2 }); // NSFW without Active: no camera
    await eventually(async () => {
      const res = await post(plain, '/api/statistics', {});
      expect(res.json).toEqual({ UserCount: 3, Usernames: ['stat-blue', 'stat-quiet', 'stat-red'], Cameras: { Blue: 1, Red: 1 } });
    });

    const op = await website(node, 'stat-op', { op: true });
    op.client.send({ action: 'me', status: 'hidden' });
    await eventually(async () => expect((await post(node, '/api/statistics', {})).json['Usernames']).not.toContain('stat-op'));
    for (const c of [blue.client, red.client, quiet.client, op.client]) await c.close();
  });

  it('allows CORSHosts origins only, and answers their preflight', async () => {
    const get = (origin: string) => fetch(`${node.url}/api/statistics`, { headers: { origin } });
    const allowed = await get('https://www.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://www.example.com');
    expect(allowed.headers.get('vary')).toMatch(/Origin/);
    expect((await get('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await fetch(`${node.url}/api/statistics`, {
      method: 'OPTIONS',
      headers: { origin: 'https://www.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://www.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    const refused = await fetch(`${node.url}/api/statistics`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(refused.status).toBe(204);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    // An OPTIONS that is no preflight gets the statistics, as in BareRTC.
    const plainOptions = await fetch(`${node.url}/api/statistics`, { method: 'OPTIONS' });
    expect(Object.keys((await plainOptions.json()) as object)).toEqual(['UserCount', 'Usernames', 'Cameras']);
  });
});

describe('/api/authenticate and /api/authentication', () => {
  it('signs the claims with HS256 for five minutes', async () => {
    for (const path of ['/api/authenticate', '/api/authentication']) {
      const res = await post(node, path, { APIKey: KEY, Claims: { sub: 'bot', nick: 'Bot', op: true, img: '/p.png', emoji: '🤖', rules: ['redcam'] } });
      expect(res.status).toBe(200);
      expect(Object.keys(res.json)).toEqual(['OK', 'JWT']);
      const { payload, protectedHeader } = await jwtVerify(res.json['JWT'] as string, new TextEncoder().encode(SECRET));
      expect(protectedHeader.alg).toBe('HS256');
      expect(payload).toMatchObject({ sub: 'bot', nick: 'Bot', op: true, img: '/p.png', emoji: '🤖', rules: ['redcam'] });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(payload.nbf).toBe(payload.iat);
    }
  });

  it('refuses claims of the wrong type with 400, and answers 500 when it has no secret to sign with', async () => {
    expect((await post(node, '/api/authenticate', { APIKey: KEY, Claims: { sub: 'x', op: 'yes' } })).json).toEqual({ OK: false, Error: 'json: cannot unmarshal string into Go struct field Claims.op of type bool' });
    const res = await post(plain, '/api/authenticate', { APIKey: KEY, Claims: { sub: 'bot' } });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ OK: false, Error: 'Error signing the JWT claims.' });
  });
});

describe('/api/shutdown', () => {
  it('answers OK, tells every session the server is going down, then shuts down (recorded, not exiting)', async () => {
    const { client } = await BareClient.guest(node.wsUrl, 'sd-watcher');
    const res = await post(node, '/api/shutdown', { APIKey: KEY });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ OK: true });
    // The welcome messages of the login carry their channel; the notice has none.
    expect(await client.next((f) => f.action === 'error' && f['channel'] === undefined)).toEqual({ action: 'error', username: 'ChatServer', message: 'The chat server is going down for a reboot NOW!' });
    await eventually(() => expect(shutdowns).toBe(1));
    await client.close();
  });
});

describe('/api/blocklist', () => {
  it('caches a list that is applied when the user logs in: the two no longer see each other', async () => {
    const { client: dave } = await BareClient.guest(node.wsUrl, 'bl-dave');
    const res = await post(node, '/api/blocklist', { APIKey: KEY, Username: 'bl-carol', Blocklist: ['bl-dave', 'bl-nobody'] });
    expect(res.json).toEqual({ OK: true });
    const { client: carol } = await website(node, 'bl-carol');
    const seen = carol.all().filter((f) => f.action === 'who').map((f) => names(f['whoList'] as Record<string, unknown>[]));
    expect(seen[0]).toContain('bl-carol');
    expect(seen[0]).not.toContain('bl-dave');
    await dave.whoUntil((list) => !names(list).includes('bl-carol') && names(list).includes('bl-dave'));
    // Carol's own who lists never show Dave afterwards either.
    const { client: erin } = await BareClient.guest(node.wsUrl, 'bl-erin');
    const list = await carol.whoUntil((l) => names(l).includes('bl-erin'));
    expect(names(list)).not.toContain('bl-dave');
    for (const c of [dave, carol, erin]) await c.close();
  });

  it('refuses a Blocklist that is not a list of names', async () => {
    expect((await post(node, '/api/blocklist', { APIKey: KEY, Username: 'x', Blocklist: 'a' })).json).toEqual({ OK: false, Error: 'json: cannot unmarshal string into Go struct field .Blocklist of type []string' });
  });
});

describe('/api/block/now', () => {
  it('blocks every pair of online users both ways, tells each, and refreshes the who lists', async () => {
    const { client: erin } = await BareClient.guest(node.wsUrl, 'bn-erin');
    const { client: frank } = await BareClient.guest(node.wsUrl, 'bn-frank');
    await erin.whoUntil((l) => names(l).includes('bn-frank'));
    const res = await post(node, '/api/block/now', { APIKey: KEY, Usernames: ['bn-erin', 'bn-frank', 'bn-offline'] });
    expect(res.json).toEqual({ OK: true });
    expect(await erin.next(action('block'))).toEqual({ action: 'block', username: 'bn-frank' });
    expect(await frank.next(action('block'))).toEqual({ action: 'block', username: 'bn-erin' });
    await erin.whoUntil((l) => !names(l).includes('bn-frank'));
    await frank.whoUntil((l) => !names(l).includes('bn-erin'));
    await erin.close();
    await frank.close();
  });
});

describe('/api/disconnect/now', () => {
  it('sends presence, the message, then disconnect to the user, and counts only users online', async () => {
    const { client: gina } = await BareClient.guest(node.wsUrl, 'dc-gina');
    const { client: hank } = await BareClient.guest(node.wsUrl, 'dc-hank');
    // hank's arrival line reaches gina in the next presence batch: read past it first.
    await gina.next((f) => f.action === 'presence' && f['username'] === 'dc-hank');
    const res = await post(node, '/api/disconnect/now', { APIKey: KEY, Usernames: ['dc-gina', 'dc-nobody'], Message: 'Your account was deactivated.', Kick: true });
    expect(res.json).toEqual({ OK: true, Removed: 1 });
    const mine = [await gina.next((f) => f.action !== 'who'), await gina.next((f) => f.action !== 'who'), await gina.next((f) => f.action !== 'who')];
    expect(mine).toEqual<BareFrame[]>([
      { action: 'presence', username: 'dc-gina', message: 'has been kicked from the room!' },
      { action: 'error', username: 'ChatServer', message: 'Your account was deactivated.' },
      { action: 'disconnect' },
    ]);
    const [line] = await hank.eachOf([action('presence'), (f) => f.action === 'who' && !names(f['whoList'] as Record<string, unknown>[]).includes('dc-gina')]);
    expect(line).toEqual({ action: 'presence', username: 'dc-gina', message: 'has been kicked from the room!' });
    // Without Kick and Message: the exit line and disconnect only; Removed is always there.
    const again = await post(node, '/api/disconnect/now', { APIKey: KEY, Usernames: ['dc-hank'] });
    expect(again.json).toEqual({ OK: true, Removed: 1 });
    expect(await hank.next((f) => f.action !== 'who')).toEqual({ action: 'presence', username: 'dc-hank', message: 'has exited the room!' });
    expect(await hank.next((f) => f.action !== 'who')).toEqual({ action: 'disconnect' });
    expect((await post(node, '/api/disconnect/now', { APIKey: KEY, Usernames: [] })).json).toEqual({ OK: true, Removed: 0 });
    await gina.close();
    await hank.close();
  });
});

describe('/api/amend-jwt', () => {
  it('gives an online JWT user new claims: ping with the token and rules, then me, then everyone\'s who', async () => {
    const { client: ivan } = await website(node, 'aj-ivan', { nick: 'Ivan' });
    const { client: jill } = await BareClient.guest(node.wsUrl, 'aj-jill');
    const jwt = await token({ sub: 'aj-ivan', nick: 'Ivan the Great', vip: true, img: '/ivan.png', rules: ['redcam', 'novideo'] });
    const res = await post(node, '/api/amend-jwt', { APIKey: KEY, Username: 'aj-ivan', JWTToken: jwt });
    expect(res.json).toEqual({ OK: true });
    const ping = await ivan.next((f) => f.action === 'ping' && f['jwt'] === jwt);
    expect(ping).toEqual({ action: 'ping', jwt, jwtRules: { IsNoVideoRule: true, IsNoImageRule: false, IsNoBroadcastRule: true, IsRedCamRule: true, IsNoDarkVideoRule: false } });
    expect(await ivan.next()).toEqual({ action: 'me', username: 'aj-ivan', video: 0 });
    const list = await jill.whoUntil((l) => l.some((e) => e['username'] === 'aj-ivan' && e['nickname'] === 'Ivan the Great'));
    expect(list.find((e) => e['username'] === 'aj-ivan')).toMatchObject({ nickname: 'Ivan the Great', vip: true, avatar: '/ivan.png', op: false });
    await ivan.close();
    await jill.close();
  });

  it('answers 401 for a token that does not verify and 404 for a user who is not online', async () => {
    const bad = await post(node, '/api/amend-jwt', { APIKey: KEY, Username: 'x', JWTToken: await token({ sub: 'x' }, 'another-secret-another-secret-another') });
    expect(bad.status).toBe(401);
    expect(bad.json['OK']).toBe(false);
    expect(typeof bad.json['Error']).toBe('string');
    const gone = await post(node, '/api/amend-jwt', { APIKey: KEY, Username: 'aj-nobody', JWTToken: await token({ sub: 'aj-nobody' }) });
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ OK: false, Error: 'That user is not online.' });
  });

  it('leaves a guest as they are', async () => {
    const { client: guest } = await BareClient.guest(node.wsUrl, 'aj-guest');
    expect((await post(node, '/api/amend-jwt', { APIKey: KEY, Username: 'aj-guest', JWTToken: await token({ sub: 'aj-guest', op: true }) })).json).toEqual({ OK: true });
    // A marker DM to self, which echoes, proves the control was handled before it: no ping, no me.
    guest.send({ action: 'message', channel: '@aj-guest', message: 'marker' });
    await guest.next(action('message'));
    expect(guest.all().filter((f) => f.action === 'ping' || f.action === 'me').length).toBe(1);
    await guest.close();
  });
});

describe('/api/profile', () => {
  it('returns the webhook\'s Data unchanged, having sent it the admin key and the username', async () => {
    const jwt = await token({ sub: 'pr-viewer' });
    const res = await post(node, '/api/profile', { JWTToken: jwt, Username: 'pat' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ OK: true, Error: '', Headline: 'Hello', ProfileFields: [{ Name: 'Age', Value: '30yo' }] });
    expect(hookCalls.at(-1)).toEqual({ Action: 'profile', APIKey: KEY, Username: 'pat' });
  });

  it('answers 500 with the website\'s body when it reports an error', async () => {
    const jwt = await token({ sub: 'pr-viewer' });
    const denied = await post(node, '/api/profile', { JWTToken: jwt, Username: 'denied' });
    expect([denied.status, denied.json]).toEqual([500, { OK: false, Error: 'Not allowed' }]);
    const broken = await post(node, '/api/profile', { JWTToken: jwt, Username: 'broken' });
    expect([broken.status, broken.json]).toEqual([500, { OK: false, Error: 'No such user' }]);
  });

  it('answers 500 "Didn\'t get expected response" when the webhook is not JSON or unreachable', async () => {
    const html = await post(node, '/api/profile', { JWTToken: await token({ sub: 'v' }), Username: 'html' });
    expect([html.status, html.json]).toEqual([500, { OK: false, Error: "Didn't get expected response for profile data: the website did not answer with JSON" }]);
    const dead = await post(noDb, '/api/profile', { JWTToken: await token({ sub: 'v' }), Username: 'pat' });
    expect([dead.status, dead.json]).toEqual([500, { OK: false, Error: "Didn't get expected response for profile data: the website could not be reached" }]);
    const off = await post(plain, '/api/profile', { JWTToken: await token({ sub: 'v' }), Username: 'pat' });
    expect([off.status, off.json]).toEqual([400, { OK: false, Error: 'JWT authentication is not available.' }]);
  });

  it('answers 400 without a usable JWT', async () => {
    expect((await post(node, '/api/profile', { JWTToken: '', Username: 'pat' })).json).toEqual({ OK: false, Error: 'JWT authentication is not available.' });
    const bad = await post(node, '/api/profile', { JWTToken: 'not.a.token', Username: 'pat' });
    expect(bad.status).toBe(400);
    expect(bad.json['OK']).toBe(false);
    expect(bad.json['Error']).not.toBe('');
  });
});

describe('/api/message/history, /usernames, /clear', () => {
  let jack: { client: BareClient; jwt: string };
  let kate: { client: BareClient; jwt: string };
  const ids: number[] = [];
  beforeAll(async () => {
    jack = await website(node, 'dm-jack');
    kate = await website(node, 'dm-kate');
    for (let i = 0; i < 25; i++) {
      const [from, to] = i % 2 === 0 ? [jack, 'dm-kate'] : [kate, 'dm-jack'];
      from.client.send({ action: 'message', channel: `@${to}`, message: `line **${i}**` });
      ids.push((await from.client.next((f) => f.action === 'message' && f['message'] === `<p>line <strong>${i}</strong></p>`))['msgID'] as number);
    }
  }, 30_000);
  afterAll(async () => {
    await jack.client.close();
    await kate.client.close();
  });

  it('pages 20 messages newest first, with BeforeID as the cursor and Remaining', async () => {
    const first = await post(node, '/api/message/history', { JWTToken: jack.jwt, Username: 'dm-kate', BeforeID: 0 });
    expect(first.status).toBe(200);
    const messages = first.json['Messages'] as Record<string, unknown>[];
    expect(messages.map((m) => m['msgID'])).toEqual(ids.slice(5).reverse());
    expect(messages[0]).toEqual({ username: 'dm-jack', message: '<p>line <strong>24</strong></p>', msgID: ids[24], timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(messages[1]!['username']).toBe('dm-kate');
    expect(first.json['Remaining']).toBe(5);
    const second = await post(node, '/api/message/history', { JWTToken: jack.jwt, Username: 'dm-kate', BeforeID: ids[5] });
    expect((second.json['Messages'] as Record<string, unknown>[]).map((m) => m['msgID'])).toEqual(ids.slice(0, 5).reverse());
    expect(second.json['Remaining']).toBe(0);
    expect((await post(node, '/api/message/history', { JWTToken: jack.jwt, Username: 'dm-kate', BeforeID: ids[0] })).json).toEqual({ OK: true, Messages: [], Remaining: 0 });
    expect((await post(node, '/api/message/history', { JWTToken: jack.jwt, Username: 'dm-nobody' })).json).toEqual({ OK: true, Messages: [], Remaining: 0 });
  });

  it('checks JWT, then being online, then DM history, in that order', async () => {
    expect((await post(plain, '/api/message/history', { JWTToken: jack.jwt, Username: 'dm-kate' })).json).toEqual({ OK: false, Error: 'JWT authentication is not available.' });
    const offline = await post(node, '/api/message/history', { JWTToken: await token({ sub: 'dm-offline' }), Username: 'dm-kate' });
    expect([offline.status, offline.json]).toEqual([400, { OK: false, Error: 'You are not logged into the chat room.' }]);
    const { client } = await website(noDb, 'dm-nodb');
    const noDatabase = await post(noDb, '/api/message/usernames', { JWTToken: await token({ sub: 'dm-nodb' }) });
    expect([noDatabase.status, noDatabase.json]).toEqual([500, { OK: false, Error: 'database is not initialized' }]);
    await client.close();
  });

  it('lists the senders the caller has DMs from, with Count and Pages; 500 when there are none', async () => {
    const { client: lena, jwt: lenaJwt } = await website(node, 'dm-lena');
    expect((await post(node, '/api/message/usernames', { JWTToken: lenaJwt, Sort: 'a-z', Page: 1 })).json).toEqual({ OK: false, Error: 'you have no direct messages stored on this chat server' });
    // Only Jack writes in this thread: it counts for Jack, but Lena is no sender to him.
    jack.client.send({ action: 'message', channel: '@dm-lena', message: 'hello lena' });
    await lena.next(action('message'));
    expect((await post(node, '/api/message/usernames', { JWTToken: jack.jwt, Sort: 'bogus', Page: 0 })).json).toEqual({ OK: true, Usernames: ['dm-kate'], Count: 2, Pages: 1 });
    expect((await post(node, '/api/message/usernames', { JWTToken: lenaJwt, Sort: 'z-a', Page: 1 })).json).toEqual({ OK: true, Usernames: ['dm-jack'], Count: 1, Pages: 1 });
    expect((await post(node, '/api/message/usernames', { JWTToken: lenaJwt, Page: 2 })).json).toEqual({ OK: true, Usernames: [], Count: 1, Pages: 1 });
    await lena.close();
  });

  it('erases every DM of a user, both sides, by the user\'s JWT or by the website\'s key', async () => {
    const { client: mia, jwt: miaJwt } = await website(node, 'dm-mia');
    kate.client.send({ action: 'message', channel: '@dm-mia', message: 'to mia' });
    await mia.next(action('message'));
    expect((await post(node, '/api/message/clear', { APIKey: 'wrong' })).json).toEqual({ OK: false, Error: 'Authentication denied.' });
    expect((await post(plain, '/api/message/clear', { JWTToken: miaJwt })).json).toEqual({ OK: false, Error: 'JWT authentication is not available.' });
    expect((await post(node, '/api/message/clear', { JWTToken: miaJwt })).json).toEqual({ OK: true, MessagesErased: 1 });
    expect((await post(node, '/api/message/clear', { APIKey: KEY, Username: 'dm-kate' })).json).toEqual({ OK: true, MessagesErased: 25 });
    expect((await post(node, '/api/message/history', { JWTToken: jack.jwt, Username: 'dm-kate' })).json).toEqual({ OK: true, Messages: [], Remaining: 0 });
    expect((await post(node, '/api/message/clear', { APIKey: KEY, Username: 'dm-nobody' })).json).toEqual({ OK: true, MessagesErased: 0 });
    await mia.close();
  });
});
