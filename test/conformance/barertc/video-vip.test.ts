import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { action, BareClient, BARERTC_TEST_SETTINGS, type BareFrame } from './barertc-client.js';

// reference/barertc.md §4.3 boot/unboot/video-invite, §4.6 (who rewriting, `open`, unblockable),
// §4.8 VIP channels; real sockets against one node with JWT on and BlockableAdmins = true.
const SECRET = 'video-vip-secret-video-vip-secret-video-vip';
const CHANNELS =
  '\n[[barertc.PublicChannels]]\nID = "lobby"\nName = "Lobby"\nEchoMessagesOnJoin = 10\n' +
  '\n[[barertc.PublicChannels]]\nID = "vip"\nName = "VIPs Only"\nVIP = true\nEchoMessagesOnJoin = 10\n';

let node: TestNode;
const clients: BareClient[] = [];
beforeAll(async () => {
  node = await startNode({
    settings: testSettings(`${NO_RATE_LIMITS}\n[barertc]\nBlockableAdmins = true\n${BARERTC_TEST_SETTINGS}\n[barertc.JWT]\nEnabled = true\nStrict = false\nSecretKey = "${SECRET}"\n${CHANNELS}`),
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await node?.stop();
});

const Video = { Active: 1, MutualRequired: 16, MutualOpen: 32, OnlyVIP: 64, Invited: 128 };
const NO_PERMISSION = { action: 'error', username: 'ChatServer', message: 'Could not open that video: You do not have permission to view that camera.' };

/** A website user (JWT with `claims`), read up to their own "has joined" line. */
async function website(sub: string, claims: Record<string, unknown> = {}): Promise<BareClient> {
  const jwt = await new SignJWT({ sub, ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
  const client = await BareClient.open(node.wsUrl);
  clients.push(client);
  client.send({ action: 'login', username: 'ignored', jwt });
  await client.next(action('me'));
  await client.next((f) => f.action === 'presence' && f['username'] === sub && f['message'] === 'has joined the room!');
  return client;
}

async function guest(name: string): Promise<BareClient> {
  const { client } = await BareClient.guest(node.wsUrl, name);
  clients.push(client);
  return client;
}

/** The next who list in which `name`'s entry satisfies `ok`; resolves with that entry. */
async function seen(c: BareClient, name: string, ok: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const list = await c.whoUntil((l) => l.some((e) => e['username'] === name && ok(e)));
  return list.find((e) => e['username'] === name)!;
}
const videoIs = (v: number) => (e: Record<string, unknown>) => e['video'] === v;

/** `open` refused: the next ChatServer notice; allowed: the caller's `open` and the broadcaster's `ring`. */
async function opens(viewer: BareClient, broadcaster: BareClient, name: string, viewerName: string): Promise<void> {
  viewer.send({ action: 'open', username: name });
  const opened = await viewer.next(action('open'));
  expect(opened).toEqual({ action: 'open', username: name, openSecret: expect.stringMatching(/^[a-z]{16}$/) });
  expect(await broadcaster.next(action('ring'))).toEqual({ action: 'ring', username: viewerName, openSecret: opened['openSecret'] });
}
async function refused(viewer: BareClient, name: string): Promise<BareFrame> {
  viewer.send({ action: 'open', username: name });
  return viewer.next(action('error'));
}

describe('boot and unboot (§4.3, §4.6)', () => {
  it('darkens the camera for the booted viewer only, refuses their open, and unboot restores both', async () => {
    const alice = await guest('vv-alice');
    const bob = await guest('vv-bob');
    const carol = await guest('vv-carol');
    alice.send({ action: 'me', video: Video.Active });
    await seen(bob, 'vv-alice', videoIs(1));
    alice.send({ action: 'boot', username: 'vv-bob' });
    expect(await seen(bob, 'vv-alice', videoIs(0))).toEqual({ username: 'vv-alice', status: 'online', video: 0, loginAt: expect.any(Number), op: false });
    expect(await refused(bob, 'vv-alice')).toEqual(NO_PERMISSION);
    // Carol was not booted: a later list (after alice goes away) still shows the camera on.
    alice.send({ action: 'me', status: 'away' });
    expect(await seen(carol, 'vv-alice', (e) => e['status'] === 'away')).toMatchObject({ video: 1 });
    expect(await seen(bob, 'vv-alice', (e) => e['status'] === 'away')).toMatchObject({ video: 0 });
    alice.send({ action: 'unboot', username: 'vv-bob' });
    await seen(bob, 'vv-alice', videoIs(1));
    await opens(bob, alice, 'vv-alice', 'vv-bob');
  });

  it('shows a booted operator the camera with MutualOpen toggled, tells them, and lets them open with a note', async () => {
    const dan = await guest('vv-dan');
    const mod = await website('vv-mod', { op: true });
    dan.send({ action: 'me', video: Video.Active | Video.MutualOpen });
    await seen(mod, 'vv-dan', videoIs(Video.Active | Video.MutualOpen));
    dan.send({ action: 'boot', username: 'vv-mod' });
    expect(await mod.next(action('error'))).toEqual({ action: 'error', username: 'ChatServer', message: 'vv-dan has booted you off of their camera!' });
    await seen(mod, 'vv-dan', videoIs(Video.Active));
    mod.send({ action: 'open', username: 'vv-dan' });
    expect(await mod.next(action('error'))).toEqual({ action: 'error', username: 'ChatServer', message: "Note: vv-dan had booted you off their camera before, and won't be notified of your watch." });
    expect(await mod.next(action('open'))).toMatchObject({ username: 'vv-dan' });
    expect(await dan.next(action('ring'))).toMatchObject({ username: 'vv-mod' });

    // A mute is noted the same way (a boot is named first when both hold).
    const eve = await guest('vv-eve');
    eve.send({ action: 'me', video: Video.Active });
    await seen(mod, 'vv-eve', videoIs(1));
    eve.send({ action: 'mute', username: 'vv-mod' });
    await seen(mod, 'vv-eve', videoIs(Video.Active | Video.MutualOpen));
    mod.send({ action: 'open', username: 'vv-eve' });
    expect(await mod.next((f) => f.action === 'error' && String(f['message']).startsWith('Note:'))).toEqual({ action: 'error', username: 'ChatServer', message: "Note: vv-eve had muted you before, and won't be notified of your watch." });
    expect(await mod.next(action('open'))).toMatchObject({ username: 'vv-eve' });
  });
});

describe('video-invite (§4.3, §4.6)', () => {
  it('sets the Invited bit for the invitee and lets them past MutualRequired', async () => {
    const fay = await guest('vv-fay');
    const gus = await guest('vv-gus');
    const hal = await guest('vv-hal');
    fay.send({ action: 'me', video: Video.Active | Video.MutualRequired });
    await seen(gus, 'vv-fay', videoIs(17));
    expect(await refused(gus, 'vv-fay')).toEqual({ action: 'error', username: 'ChatServer', message: 'Could not open that video: vv-fay has requested that you should share your own camera too before opening theirs.' });
    fay.send({ action: 'video-invite', usernames: ['vv-gus', 42, 'vv-nobody'] });
    expect(await seen(gus, 'vv-fay', videoIs(17 | Video.Invited))).toMatchObject({ video: 145 });
    await opens(gus, fay, 'vv-fay', 'vv-gus');
    // Hal was not invited: still held to the mutual rule, and no Invited bit.
    fay.send({ action: 'me', status: 'away' });
    expect(await seen(hal, 'vv-fay', (e) => e['status'] === 'away')).toMatchObject({ video: 17 });
    expect((await refused(hal, 'vv-fay'))['message']).toContain('has requested that you should share your own camera');
  });

  it('lets an invited non-VIP see and open an OnlyVIP camera; others who are not VIP see it off and are refused', async () => {
    const ida = await guest('vv-ida');
    const jay = await guest('vv-jay');
    const kit = await guest('vv-kit');
    const vic = await website('vv-vic', { vip: true });
    ida.send({ action: 'me', video: Video.Active | Video.OnlyVIP });
    expect(await seen(vic, 'vv-ida', videoIs(65))).toMatchObject({ video: 65 });
    expect(await seen(jay, 'vv-ida', (e) => e['video'] === 0 && e['status'] === 'online')).toMatchObject({ video: 0 });
    expect(await refused(jay, 'vv-ida')).toEqual(NO_PERMISSION);
    ida.send({ action: 'video-invite', usernames: ['vv-jay'] });
    await seen(jay, 'vv-ida', videoIs(65 | Video.Invited));
    await opens(jay, ida, 'vv-ida', 'vv-jay');
    await opens(vic, ida, 'vv-ida', 'vv-vic');
    ida.send({ action: 'me', status: 'away' });
    expect(await seen(kit, 'vv-ida', (e) => e['status'] === 'away')).toMatchObject({ video: 0 });
    expect(await refused(kit, 'vv-ida')).toEqual(NO_PERMISSION);
  });
});

describe('VIP channels (§4.8)', () => {
  it("delivers a non-VIP's line to VIPs and operators only, and echoes VIP channels to them only", async () => {
    const leo = await guest('vv-leo');
    const max = await guest('vv-max');
    const vera = await website('vv-vera', { vip: true });
    const oz = await website('vv-oz', { op: true });
    leo.send({ action: 'message', channel: 'vip', message: 'for vips' });
    leo.send({ action: 'message', channel: 'lobby', message: 'for all' });
    for (const c of [vera, oz]) {
      expect(await c.next(action('message'))).toEqual({ action: 'message', channel: 'vip', username: 'vv-leo', message: '<p>for vips</p>', msgID: expect.any(Number) });
      expect(await c.next(action('message'))).toMatchObject({ channel: 'lobby', username: 'vv-leo' });
    }
    // The sender gets no echo of the VIP line, nor does another non-VIP: their next line is the lobby one.
    for (const c of [leo, max]) expect(await c.next(action('message'))).toMatchObject({ channel: 'lobby', message: '<p>for all</p>' });

    const late = await BareClient.open(node.wsUrl);
    clients.push(late);
    late.send({ action: 'login', username: 'vv-late' });
    const echo = (await late.next(action('echo')))['messages'] as Record<string, unknown>[];
    expect(echo.map((m) => m['channel'])).not.toContain('vip');
    expect(echo.map((m) => m['message'])).toContain('<p>for all</p>');
    const vip = await BareClient.open(node.wsUrl);
    clients.push(vip);
    vip.send({ action: 'login', username: 'x', jwt: await new SignJWT({ sub: 'vv-vip2', vip: true }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET)) });
    const vipEcho = (await vip.next(action('echo')))['messages'] as Record<string, unknown>[];
    expect(vipEcho).toContainEqual({ action: 'message', channel: 'vip', username: 'vv-leo', message: '<p>for vips</p>', msgID: expect.any(Number), timestamp: expect.any(String) });
  });
});

describe('unblockable operators and op changes (§4.6, §6.1)', () => {
  it('keeps an operator who ran /unmute-all visible to a user who blocks them, with BlockableAdmins = true', async () => {
    const bot = await website('vv-bot', { op: true });
    const nia = await guest('vv-nia');
    nia.send({ action: 'block', username: 'vv-bot' });
    await nia.whoUntil((l) => !l.some((e) => e['username'] === 'vv-bot'));
    await bot.whoUntil((l) => !l.some((e) => e['username'] === 'vv-nia'));
    bot.send({ action: 'message', message: '/unmute-all' });
    expect(await bot.next(action('error'))).toEqual({ action: 'error', username: 'ChatServer', message: 'Your mute on 0 users has been lifted.' });
    expect(await seen(nia, 'vv-bot', () => true)).toMatchObject({ username: 'vv-bot', op: true });
    await seen(bot, 'vv-nia', () => true);
  });

  it('shows /op and /deop in everyone\'s who list', async () => {
    const boss = await website('vv-boss', { op: true });
    const pam = await guest('vv-pam');
    const quinn = await guest('vv-quinn');
    boss.send({ action: 'message', channel: 'lobby', message: '/op vv-pam' });
    await seen(quinn, 'vv-pam', (e) => e['op'] === true);
    boss.send({ action: 'message', channel: 'lobby', message: '/deop vv-pam' });
    await seen(quinn, 'vv-pam', (e) => e['op'] === false);
    await seen(pam, 'vv-pam', (e) => e['op'] === false);
  });
});

describe('private state', () => {
  it('never shows booted, invited or unblockable in any who entry sent', () => {
    let entries = 0;
    for (const c of clients) {
      for (const f of c.all()) {
        if (f.action !== 'who') continue;
        for (const e of f['whoList'] as Record<string, unknown>[]) {
          entries++;
          expect(Object.keys(e).filter((k) => ['booted', 'invited', 'unblockable'].includes(k))).toEqual([]);
        }
      }
    }
    expect(entries).toBeGreaterThan(0);
  });
});
