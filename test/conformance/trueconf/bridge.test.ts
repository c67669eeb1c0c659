import { describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, testSettings } from '../../helpers/start-node.js';
import { eventually } from '../../helpers/wait.js';
import {
  fetchToken, serverInfo, TrueConfBot, TrueConfError, validateAuth, validateEvent, validateServerInfo, validateTokenLocally, validateTokenResponse,
} from './client.js';
import { barrier, createAccount, payloadsOf, RawSocket, signToken, textsOf, uniqueName, useBridgeNode, type Account } from './harness.js';

// reference/trueconf.md §0, §1, §2.1, §6.1 and §7.1: the token endpoint, the server-info probes,
// and the bot socket up to and including auth and the unread replay, against a node on port 0.
const DOMAIN = 'example.test';
const TOKEN_PATH = '/bridge/api/client/v1/oauth/token';
const bridge = useBridgeNode({ env: { PARLEY_DOMAIN: DOMAIN } });
const { bots } = bridge;

const account = (prefix: string, displayName?: string): Promise<Account> => createAccount(bridge.node, uniqueName(prefix), displayName);

function postToken(payload: string, contentType = 'application/json') {
  return bridge.node.server.app.inject({ method: 'POST', url: TOKEN_PATH, headers: { 'content-type': contentType }, payload });
}
const grant = (over: Record<string, unknown>) => ({ client_id: 'chat_bot', grant_type: 'password', ...over });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);

describe('POST /bridge/api/client/v1/oauth/token', () => {
  it('answers a JSON password grant with 201, CORS and a JWT whose exp is expires_at', async () => {
    const bot = await account('tokbot');
    const before = now();
    const res = await postToken(JSON.stringify(grant({ username: bot.username, password: bot.password, client_secret: '' })));
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const body = validateTokenResponse(res.json());
    expect(body.token_type).toBe('JWT');
    const claims = validateTokenLocally(body.access_token);
    expect(body.expires_at).toBe(claims['exp']);
    expect(body.expires_in).toBeGreaterThanOrEqual(31_536_000 - 2); // the default lifetime, one year
    expect(body.expires_in).toBeLessThanOrEqual(31_536_000);
    expect(body.expires_at).toBeGreaterThanOrEqual(before + body.expires_in - 2);
    expect(body.expires_at).toBeLessThanOrEqual(now() + body.expires_in + 2);
    // [our choice] claims: sub = TrueConf id, aud = chat_bot (README "Deliberate differences").
    expect(claims).toMatchObject({ sub: bot.trueconfId, aud: 'chat_bot', iat: expect.any(Number), iss: expect.any(String) });
  });

  it('accepts the same grant as application/x-www-form-urlencoded', async () => {
    const bot = await account('formbot');
    const res = await postToken(new URLSearchParams({ client_id: 'chat_bot', grant_type: 'password', username: bot.username, password: bot.password }).toString(), 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const body = validateTokenResponse(res.json());
    expect(body.expires_at).toBe(validateTokenLocally(body.access_token)['exp']);
  });

  it('answers a wrong password and an unknown user with the same 400 invalid_grant', async () => {
    const bot = await account('grantbot');
    const wrong = await postToken(JSON.stringify(grant({ username: bot.username, password: 'Wr0ng-password!' })));
    const unknown = await postToken(JSON.stringify(grant({ username: 'nobody-here', password: bot.password })));
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.json()).toStrictEqual({ error: 'invalid_grant', error_description: 'Invalid username or password' });
    }
    expect(unknown.body).toBe(wrong.body);
    // The python-like client turns it into its typed error.
    await expect(fetchToken(bridge.node.url, bot.username, 'Wr0ng-password!')).rejects.toMatchObject({ name: 'OAuthError', status: 400, error: 'invalid_grant' });
  });

  it('answers a client_id other than chat_bot with invalid_client', async () => {
    const bot = await account('clientbot');
    const res = await postToken(JSON.stringify(grant({ client_id: 'someone_else', username: bot.username, password: bot.password })));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toStrictEqual({ error: 'invalid_client', error_description: expect.any(String) });
  });

  it('answers a grant_type other than password with unsupported_grant_type', async () => {
    const bot = await account('grantypebot');
    const withCredentials = await postToken(JSON.stringify(grant({ grant_type: 'client_credentials', username: bot.username, password: bot.password })));
    expect(withCredentials.statusCode).toBe(400);
    expect(withCredentials.json()).toStrictEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
  });

  it('answers a real client_credentials request (no username or password, RFC 6749 §4.4) with unsupported_grant_type', async () => {
    const bare = await postToken(JSON.stringify({ client_id: 'chat_bot', grant_type: 'client_credentials', client_secret: 's' }));
    expect(bare.statusCode).toBe(400);
    expect(bare.json()).toStrictEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
  });

  it.each([
    ['malformed JSON', '{"client_id":"chat_bot",', 'application/json'],
    ['an empty JSON body', '', 'application/json'],
    ['a JSON array', '[]', 'application/json'],
    ['no username', JSON.stringify(grant({ password: 'x' })), 'application/json'],
    ['no password', JSON.stringify(grant({ username: 'x' })), 'application/json'],
    ['a numeric password', JSON.stringify(grant({ username: 'x', password: 1234 })), 'application/json'],
    ['no grant_type', JSON.stringify({ client_id: 'chat_bot', username: 'x', password: 'y' }), 'application/json'],
  ])('answers %s with 400 invalid_request', async (_label, payload, contentType) => {
    const res = await postToken(payload, contentType);
    expect(res.statusCode).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.json()).toStrictEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('answers a CORS preflight', async () => {
    const res = await bridge.node.server.app.inject({
      method: 'OPTIONS', url: TOKEN_PATH,
      headers: { origin: 'https://bots.example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(200);
    expect(res.statusCode).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/\bPOST\b/);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
  });
});

describe('server info (§7.1)', () => {
  it('GET /api/v4/server reports a 5.5.x version the python client accepts and the domain', async () => {
    const res = await bridge.node.server.app.inject({ method: 'GET', url: '/api/v4/server' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const info = validateServerInfo(res.json());
    expect(info.product.display_name).toBe(DOMAIN);
    expect(info.product.version).toMatch(/^5\.5\.\d+(\.\d+)?$/);
    expect((await serverInfo(bridge.node.url)).product.display_name).toBe(DOMAIN);
  });

  it('GET /api/v4/endpoints/connects answers JSON with a connects array', async () => {
    const res = await bridge.node.server.app.inject({ method: 'GET', url: '/api/v4/endpoints/connects' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as { connects: unknown };
    expect(Array.isArray(body.connects)).toBe(true);
    for (const c of body.connects as unknown[]) expect(typeof c).toBe('string');
  });
});

describe('socket handshake (§0, §1.4)', () => {
  it.each(['/websocket/chat_bot', '/websocket/chat_bot/'])('serves the bot socket at %s', async (path) => {
    const acc = await account('pathbot');
    const bot = bots.track(await TrueConfBot.connect(bridge.node.wsUrl, (await fetchToken(bridge.node.url, acc.username, acc.password)).access_token, { path }));
    expect(bot.meId).toBe(acc.trueconfId);
  });

  it('selects json.v1 when it is offered', async () => {
    const raw = await RawSocket.open(bridge.node, '/websocket/chat_bot/', 'json.v1');
    expect(raw.socket.ws.protocol).toBe('json.v1');
    await raw.close();
    // Node's ws client aborts the handshake when an offered protocol is not selected.
    const acc = await account('jsonv1bot');
    const bot = bots.track(await TrueConfBot.connect(bridge.node.wsUrl, (await fetchToken(bridge.node.url, acc.username, acc.password)).access_token, { subprotocol: 'json.v1', path: '/websocket/chat_bot/' }));
    expect(bot.meId).toBe(acc.trueconfId);
  });

  it('accepts a handshake that offers no subprotocol', async () => {
    const raw = await RawSocket.open(bridge.node);
    expect(raw.socket.ws.protocol).toBe('');
    const { response } = await raw.request(1, 'getChats');
    expect(response.payload).toMatchObject({ errorCode: 200 });
    await raw.close();
  });
});

describe('auth (§1.5, §2.1)', () => {
  it('answers every request before auth with errorCode 200 on its id and keeps the socket open', async () => {
    const acc = await account('gatebot');
    const raw = await RawSocket.open(bridge.node);
    for (const [id, method, payload] of [[7, 'getChats', {}], [8, 'sendMessage', { chatId: '1', content: { text: 'x', parseMode: 'text' } }], [4294967295, 'noSuchMethod', {}]] as const) {
      const { response, before } = await raw.request(id, method, payload);
      expect(before).toEqual([]);
      expect(response).toMatchObject({ type: 2, id, payload: { errorCode: 200 } });
    }
    const { access_token } = await fetchToken(bridge.node.url, acc.username, acc.password);
    const { response } = await raw.request(9, 'auth', { token: access_token, tokenType: 'JWT', receiveUnread: false });
    expect(validateAuth(response.payload).userId.split('/')[0]).toBe(acc.trueconfId);
    await raw.close();
  });

  it('answers userId = username@domain and a connectionId per connection', async () => {
    const acc = await account('authbot');
    const first = await bots.connect(acc);
    const second = await bots.connect(acc);
    expect(first.meId).toBe(`${acc.username}@${DOMAIN}`);
    expect(second.meId).toBe(first.meId);
    expect(first.connectionId).not.toBe('');
    expect(second.connectionId).not.toBe(first.connectionId);
  });

  it('refuses a token that is not ours with 201: garbage, another key, an unknown user', async () => {
    const acc = await account('badtokbot');
    const inAnHour = now() + 3600;
    const tokens = [
      'not-a-jwt',
      await signToken('another-secret-another-secret-another!', acc.trueconfId, inAnHour),
      await signToken(bridge.node.config.secrets.trueconfJwt, `nobody@${DOMAIN}`, inAnHour),
    ];
    for (const token of tokens) {
      const error = await TrueConfBot.connect(bridge.node.wsUrl, token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrueConfError);
      expect(error).toMatchObject({ method: 'auth', errorCode: 201 });
    }
  });

  it('keeps a socket whose auth failed open and unauthenticated, and lets it auth again', async () => {
    const acc = await account('retrybot');
    const raw = await RawSocket.open(bridge.node);
    expect((await raw.request(1, 'auth', { token: 'nope', tokenType: 'JWT', receiveUnread: false })).response.payload).toMatchObject({ errorCode: 201 });
    expect((await raw.request(2, 'getChats')).response.payload).toMatchObject({ errorCode: 200 });
    const { access_token } = await fetchToken(bridge.node.url, acc.username, acc.password);
    const { response } = await raw.request(3, 'auth', { token: access_token, tokenType: 'JWT', receiveUnread: false });
    expect(validateAuth(response.payload).userId).toMatch(new RegExp(`^${acc.trueconfId}(/|$)`));
    await raw.close();
  });

  it('answers a tokenType other than JWT with 204', async () => {
    const acc = await account('typebot');
    const { access_token } = await fetchToken(bridge.node.url, acc.username, acc.password);
    const raw = await RawSocket.open(bridge.node);
    const { response } = await raw.request(1, 'auth', { token: access_token, tokenType: 'Bearer', receiveUnread: false });
    expect(response.payload).toMatchObject({ errorCode: 204 });
    expect((await raw.request(2, 'getChats')).response.payload).toMatchObject({ errorCode: 200 });
    await raw.close();
  });

  it('answers a disabled user with 202', async () => {
    const acc = await account('offbot');
    const { access_token } = await fetchToken(bridge.node.url, acc.username, acc.password);
    await bridge.node.server.core.users.setDisabled(acc.user.id, true);
    await expect(TrueConfBot.connect(bridge.node.wsUrl, access_token)).rejects.toMatchObject({ method: 'auth', errorCode: 202 });
  });

  it('answers an expired token with 203', async () => {
    const acc = await account('oldbot');
    const token = await signToken(bridge.node.config.secrets.trueconfJwt, acc.trueconfId, now() - 3600);
    await expect(TrueConfBot.connect(bridge.node.wsUrl, token)).rejects.toMatchObject({ method: 'auth', errorCode: 203 });
  });

  it('answers requests with 203 once the token has expired after auth', async () => {
    const acc = await account('expiringbot');
    const token = await signToken(bridge.node.config.secrets.trueconfJwt, acc.trueconfId, now() + 2);
    const bot = bots.track(await TrueConfBot.connect(bridge.node.wsUrl, token));
    await eventually(async () => {
      await expect(bot.request('getChats')).rejects.toMatchObject({ method: 'getChats', errorCode: 203 });
    }, 6000, 200);
  });

  it('pushes getFileUploadLimits after auth with both keys present', async () => {
    const bot = await bots.connect(await account('limitsbot'));
    const event = await bot.nextEvent('getFileUploadLimits');
    expect(event.payload).toHaveProperty('maxSize');
    expect(event.payload).toHaveProperty('extensions');
    // Numbered by the server from 1 per connection (§1.2).
    expect(event.id).toBe(1);
  });

  it('answers an unknown method with 104 and stays usable', async () => {
    const bot = await bots.connect(await account('routebot'));
    await expect(bot.request('doSomethingNew', { x: 1 })).rejects.toMatchObject({ method: 'doSomethingNew', errorCode: 104 });
    expect(Array.isArray(await bot.request('getChats'))).toBe(true);
  });
});

describe('acknowledgements (§1.3)', () => {
  it('never answers an acknowledgement, with or without payload, known id or not', async () => {
    const acc = await account('ackbot');
    const { access_token } = await fetchToken(bridge.node.url, acc.username, acc.password);
    const raw = await RawSocket.open(bridge.node);
    await raw.request(1, 'auth', { token: access_token, tokenType: 'JWT', receiveUnread: false });
    const pushed = await raw.next();
    expect(pushed).toMatchObject({ type: 1, method: 'getFileUploadLimits' });
    validateEvent('getFileUploadLimits', pushed.payload);
    raw.send({ type: 2, id: pushed.id });
    raw.send({ type: 2, id: pushed.id, payload: {} });
    raw.send({ type: 2, id: 424242 });
    raw.send({ type: 2, id: 2, payload: {} }); // the id of the request that follows
    const { response, before } = await raw.request(2, 'getChats');
    expect(before).toEqual([]);
    expect(response).toMatchObject({ type: 2, id: 2 });
    expect(Array.isArray(response.payload)).toBe(true);
    await raw.close();
  });
});

describe('receiveUnread (§2.1)', () => {
  /** A bot and two users with a P2P chat each with the bot. */
  async function cast() {
    const bot = await account('unreadbot');
    const alice = await account('alice');
    const carol = await account('carol');
    const { core } = bridge.node.server;
    const withAlice = await core.conversations.openDirect(alice.principal, bot.user.id);
    const withCarol = await core.conversations.openDirect(carol.principal, bot.user.id);
    return { bot, alice, carol, withAlice, withCarol, core };
  }

  it('replays messages that arrived while the bot was offline, oldest first across chats, after the auth response', async () => {
    const { bot, alice, carol, withAlice, withCarol, core } = await cast();
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'a1' });
    await core.messages.send(carol.principal, { conversationId: withCarol.id, text: 'c1' });
    await core.messages.send(bot.principal, { conversationId: withAlice.id, text: 'own' }); // the bot's own: never unread
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'a2' });
    await core.messages.send(carol.principal, { conversationId: withCarol.id, text: 'c2' });
    const b = await bots.connect(bot, { receiveUnread: true });
    await barrier(b);
    expect(textsOf(b)).toEqual(['a1', 'c1', 'a2', 'c2']);
    const replayed = payloadsOf(b, 'sendMessage');
    expect(replayed.map((p) => p['chatId'])).toEqual([withAlice.id, withCarol.id, withAlice.id, withCarol.id].map(String));
    expect(replayed.map((p) => (p['author'] as { id: string }).id)).toEqual([alice.trueconfId, carol.trueconfId, alice.trueconfId, carol.trueconfId]);
    // Each replayed envelope is its own server request, acknowledged on its own id.
    expect(new Set(b.events.map((e) => e.id)).size).toBe(b.events.length);
  });

  it('does not replay acknowledged messages on the next connection', async () => {
    const { bot, alice, withAlice, core } = await cast();
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'u1' });
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'u2' });
    const first = await bots.connect(bot, { receiveUnread: true });
    await barrier(first); // the acks were sent before this request, so they have been handled
    expect(textsOf(first)).toEqual(['u1', 'u2']);
    await first.close();
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'u3' });
    const second = await bots.connect(bot, { receiveUnread: true });
    await barrier(second);
    expect(textsOf(second)).toEqual(['u3']);
  });

  it('replays messages whose events were never acknowledged', async () => {
    const { bot, alice, withAlice, core } = await cast();
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'n1' });
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'n2' });
    const { access_token } = await fetchToken(bridge.node.url, bot.username, bot.password);
    const raw = await RawSocket.open(bridge.node);
    await raw.request(1, 'auth', { token: access_token, tokenType: 'JWT', receiveUnread: true });
    const { before } = await raw.request(2, 'getChats'); // read, never acknowledged
    expect(before.filter((f) => f.type === 1 && f.method === 'sendMessage')).toHaveLength(2);
    await raw.close();
    const b = await bots.connect(bot, { receiveUnread: true });
    await barrier(b);
    expect(textsOf(b)).toEqual(['n1', 'n2']);
  });

  it('pushes nothing when receiveUnread is false, and the messages stay unread', async () => {
    const { bot, alice, withAlice, core } = await cast();
    await core.messages.send(alice.principal, { conversationId: withAlice.id, text: 'q1' });
    const quiet = await bots.connect(bot, { receiveUnread: false });
    await barrier(quiet);
    expect(payloadsOf(quiet, 'sendMessage')).toEqual([]);
    expect(quiet.events.map((e) => e.method)).toEqual(['getFileUploadLimits']);
    await quiet.close();
    const later = await bots.connect(bot, { receiveUnread: true });
    await barrier(later);
    expect(textsOf(later)).toEqual(['q1']);
  });

  describe('with trueconf.unread_cap = 3', () => {
    const cappedBridge = useBridgeNode({ env: { PARLEY_DOMAIN: DOMAIN }, settings: testSettings(`[trueconf]\nunread_cap = 3\n${NO_RATE_LIMITS}`) });
    const cappedBots = cappedBridge.bots;

    it('replays only the newest 3, still oldest first', async () => {
      const bot = await createAccount(cappedBridge.node, 'cappedbot');
      const alice = await createAccount(cappedBridge.node, 'alice');
      const chat = await cappedBridge.node.server.core.conversations.openDirect(alice.principal, bot.user.id);
      for (const text of ['m1', 'm2', 'm3', 'm4', 'm5']) await cappedBridge.node.server.core.messages.send(alice.principal, { conversationId: chat.id, text });
      const b = await cappedBots.connect(bot, { receiveUnread: true });
      await barrier(b);
      expect(textsOf(b)).toEqual(['m3', 'm4', 'm5']);
    });
  });
});
