import type { ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../src/core/model/user.js';
import { LINK_SPAM_BAN, LINK_SPAM_KICK } from '../../../src/protocols/barertc/link-spam.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { eventually } from '../../helpers/wait.js';
import { startWebsite, type Website } from '../../helpers/website.js';
import { action, BareClient, BARERTC_TEST_SETTINGS, type BareFrame } from './barertc-client.js';

// reference/barertc.md §4.7 (DM order), §6.2 (message filters, DM link spam), §6.3 (reports),
// against real nodes on port 0 and a real website answering the report webhook.
const SECRET = 'dm-filters-secret-dm-filters-secret-dm';

/** The website: records report webhooks; a report whose Comment is "hold" waits for release(), "fail" gets a 500. */
const reports: Record<string, unknown>[] = [];
const held: ServerResponse[] = [];
let hook: Website;
let node: TestNode; // filters, report webhook, link spam (2 threads), JWT for operators
let plain: TestNode; // BareRTC's defaults: the report webhook is off

const lobbyOnly = '\n[[barertc.PublicChannels]]\nID = "lobby"\nName = "Lobby"\nEchoMessagesOnJoin = 0\n';
const filters =
  '\n[[barertc.MessageFilters]]\nEnabled = true\nKeywordPhrases = ["\\\\bdarn\\\\b"]\nCensorMessage = true\nForwardMessage = true\nChatServerResponse = "Watch your language."\n' +
  '\n[[barertc.MessageFilters]]\nEnabled = true\nKeywordPhrases = ["\\\\bspamword\\\\b"]\nCensorMessage = false\nForwardMessage = false\nReportMessage = true\n';

beforeAll(async () => {
  hook = await startWebsite((call, res) => {
    reports.push(call);
    const comment = (call['Report'] as Record<string, unknown> | undefined)?.['Comment'];
    if (comment === 'hold') return void held.push(res);
    if (comment === 'fail') return void res.writeHead(500).end('{}');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const url = `${hook.url}/report`;
  node = await startNode({
    settings: testSettings(
      `${NO_RATE_LIMITS}\n[barertc]\n${BARERTC_TEST_SETTINGS}${lobbyOnly}${filters}` +
        `\n[[barertc.WebhookURLs]]\nName = "report"\nEnabled = true\nURL = "${url}"\n` +
        `\n[barertc.JWT]\nEnabled = true\nStrict = false\nSecretKey = "${SECRET}"\n` +
        '\n[barertc.DMLinkSpamProtection]\nEnabled = true\nMaxThreads = 2\nTimeLimit = 3600\nBanHours = 2\n',
    ),
  });
  plain = await startNode({ settings: testSettings(`${NO_RATE_LIMITS}\n[barertc]\n${BARERTC_TEST_SETTINGS}${lobbyOnly}`) });
});
afterAll(async () => {
  for (const res of held) res.writeHead(200).end('{}');
  await Promise.all([node?.stop(), plain?.stop()]);
  await hook.close();
});

const guest = async (name: string, target = node) => (await BareClient.guest(target.wsUrl, name)).client;

/** A website user (JWT), optionally an operator. */
async function website(sub: string, extra: Record<string, unknown> = {}): Promise<BareClient> {
  const jwt = await new SignJWT({ sub, ...extra }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
  const client = await BareClient.open(node.wsUrl);
  client.send({ action: 'login', username: 'ignored', jwt, ...(extra['dnd'] === true ? { dnd: true } : {}) });
  await client.next((f) => f.action === 'presence' && f['username'] === sub && f['message'] === 'has joined the room!');
  return client;
}

/** The next chat line or ChatServer notice (who lists and presence lines are passed over). */
const line = (f: BareFrame) => f.action === 'message' || f.action === 'error';
const notice = (message: string) => ({ action: 'error', username: 'ChatServer', message });
const dm = (c: BareClient, to: string, message: string) => c.send({ action: 'message', channel: `@${to}`, message });
const user = async (name: string): Promise<User> => (await node.server.core.users.findByUsername(name))!;
/** Everything stored in the DM thread of `a` and `b`, as `a` reads it. */
const thread = async (a: string, b: string) => (await node.server.core.messages.directPage(await user(a), (await user(b)).id, { limit: 100 })).messages.map((m) => m.text);
/** An echo to the sender of a DM that is not stored: its id is a fresh one, far above stored ids. */
const transientId = expect.any(Number);
const isTransient = (id: unknown) => typeof id === 'number' && id >= 1e15;

/** Proves `c` got nothing before: a line that `from` sends it now is the next line it gets. */
async function nothingBefore(c: BareClient, from: BareClient, to: string): Promise<void> {
  dm(from, to, 'sentinel');
  expect(await c.next(line)).toMatchObject({ action: 'message', message: '<p>sentinel</p>' });
}

describe('§4.7 DM delivery, in order', () => {
  it('stores and delivers a DM: the sender echo with @bob, the peer copy with @alice and the same msgID', async () => {
    const [alice, bob] = [await guest('d-alice'), await guest('d-bob')];
    dm(alice, 'd-bob', 'hi **bob**');
    const echo = await alice.next(line);
    expect(echo).toEqual({ action: 'message', channel: '@d-bob', username: 'd-alice', message: '<p>hi <strong>bob</strong></p>', msgID: expect.any(Number) });
    expect(await bob.next(line)).toEqual({ action: 'message', channel: '@d-alice', username: 'd-alice', message: '<p>hi <strong>bob</strong></p>', msgID: echo['msgID'] });
    expect(isTransient(echo['msgID'])).toBe(false);
    expect(await thread('d-alice', 'd-bob')).toEqual(['hi **bob**']);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('to an offline user: the echo first, then the notice, and nothing stored', async () => {
    const alice = await guest('o-alice');
    await guest('o-bob').then((c) => c.close());
    dm(alice, 'o-bob', 'anyone?');
    const echo = await alice.next(line);
    expect(echo).toEqual({ action: 'message', channel: '@o-bob', username: 'o-alice', message: '<p>anyone?</p>', msgID: transientId });
    expect(isTransient(echo['msgID'])).toBe(true);
    expect(await alice.next(line)).toEqual(notice('Could not deliver your message: @o-bob appears not to be online.'));
    dm(alice, 'nobody-at-all', 'hello?');
    expect(await alice.next(line)).toMatchObject({ action: 'message', channel: '@nobody-at-all', message: '<p>hello?</p>' });
    expect(await alice.next(line)).toEqual(notice('Could not deliver your message: @nobody-at-all appears not to be online.'));
    expect(await thread('o-alice', 'o-bob')).toEqual([]);
    await alice.close();
  });

  it('to a user with DND on: the echo, then a notice; an operator gets through', async () => {
    const [alice, bob, op] = [await guest('n-alice'), await website('n-bob', { dnd: true }), await website('n-op', { op: true })];
    dm(alice, 'n-bob', 'psst');
    expect(await alice.next(line)).toEqual({ action: 'message', channel: '@n-bob', username: 'n-alice', message: '<p>psst</p>', msgID: transientId });
    expect(await alice.next(line)).toEqual(notice('@n-bob is not accepting direct messages right now.'));
    dm(op, 'n-bob', 'from the operator');
    expect(await bob.next(line)).toMatchObject({ channel: '@n-op', message: '<p>from the operator</p>' });
    expect(await thread('n-alice', 'n-bob')).toEqual([]);
    await Promise.all([alice.close(), bob.close(), op.close()]);
  });

  it('to someone who mutes the sender: only the echo, nothing delivered or stored', async () => {
    const [alice, bob, carol] = [await guest('m-alice'), await guest('m-bob'), await guest('m-carol')];
    bob.send({ action: 'mute', username: 'm-alice' });
    await eventually(async () => expect(await node.server.core.moderation.related((await user('m-bob')).id, 'mute')).toContain((await user('m-alice')).id));
    dm(alice, 'm-bob', 'are you there');
    expect(await alice.next(line)).toEqual({ action: 'message', channel: '@m-bob', username: 'm-alice', message: '<p>are you there</p>', msgID: transientId });
    await nothingBefore(bob, carol, 'm-bob');
    // No notice to the sender either: its next line is what it sends next.
    dm(alice, 'm-carol', 'next');
    expect(await alice.next(line)).toMatchObject({ channel: '@m-carol', message: '<p>next</p>' });
    expect(await thread('m-alice', 'm-bob')).toEqual([]);
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });

  it('from someone who mutes the peer: the echo, then "You have muted …"', async () => {
    const [alice, bob] = [await guest('s-alice'), await guest('s-bob')];
    alice.send({ action: 'mute', username: 's-bob' });
    await eventually(async () => expect(await node.server.core.moderation.related((await user('s-alice')).id, 'mute')).toContain((await user('s-bob')).id));
    dm(alice, 's-bob', 'hey');
    expect(await alice.next(line)).toEqual({ action: 'message', channel: '@s-bob', username: 's-alice', message: '<p>hey</p>', msgID: transientId });
    expect(await alice.next(line)).toEqual(notice('You have muted s-bob and so your message has not been sent.'));
    expect(await thread('s-alice', 's-bob')).toEqual([]);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('with a block either way: only the echo, silently dropped', async () => {
    const [alice, bob, carol] = [await guest('b-alice'), await guest('b-bob'), await guest('b-carol')];
    bob.send({ action: 'block', username: 'b-alice' });
    await eventually(async () => expect(await node.server.core.moderation.related((await user('b-bob')).id, 'block')).toContain((await user('b-alice')).id));
    dm(alice, 'b-bob', 'knock knock');
    expect(await alice.next(line)).toEqual({ action: 'message', channel: '@b-bob', username: 'b-alice', message: '<p>knock knock</p>', msgID: transientId });
    dm(bob, 'b-alice', 'the blocker writes');
    expect(await bob.next(line)).toEqual({ action: 'message', channel: '@b-alice', username: 'b-bob', message: '<p>the blocker writes</p>', msgID: transientId });
    await nothingBefore(bob, carol, 'b-bob');
    await nothingBefore(alice, carol, 'b-alice');
    expect(await thread('b-alice', 'b-bob')).toEqual([]);
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });

  it('an operator who mutes the peer still sends (stored and delivered)', async () => {
    const [op, bob] = [await website('x-op', { op: true }), await guest('x-bob')];
    op.send({ action: 'mute', username: 'x-bob' });
    await eventually(async () => expect(await node.server.core.moderation.related((await user('x-op')).id, 'mute')).toContain((await user('x-bob')).id));
    dm(op, 'x-bob', 'moderator here');
    const echo = await op.next(line);
    expect(echo).toMatchObject({ channel: '@x-bob', username: 'x-op', message: '<p>moderator here</p>' });
    expect(await bob.next(line)).toEqual({ action: 'message', channel: '@x-op', username: 'x-op', message: '<p>moderator here</p>', msgID: echo['msgID'] });
    await Promise.all([op.close(), bob.close()]);
  });

  it('a DM to yourself echoes twice', async () => {
    const me = await guest('self-probe');
    dm(me, 'self-probe', 'deadlock ping 1');
    const first = await me.next(line);
    expect(first).toEqual({ action: 'message', channel: '@self-probe', username: 'self-probe', message: '<p>deadlock ping 1</p>', msgID: expect.any(Number) });
    expect(await me.next(line)).toEqual(first);
    await me.close();
  });
});

describe('§6.2 message filters', () => {
  it('censors a public line, forwards it and replies; what is stored is censored too', async () => {
    const [alice, bob] = [await guest('f-alice'), await guest('f-bob')];
    alice.send({ action: 'message', channel: 'lobby', message: 'oh darn it' });
    expect(await alice.next(line)).toEqual(notice('Watch your language.'));
    const own = await alice.next(line);
    expect(own).toEqual({ action: 'message', channel: 'lobby', username: 'f-alice', message: '<p>oh **** it</p>', msgID: expect.any(Number) });
    expect(await bob.next((f) => f.action === 'message' && f['username'] === 'f-alice')).toEqual(own);
    const room = (await node.server.core.conversations.findRoom('lobby'))!;
    const stored = (await node.server.core.messages.roomHistory(null, room.id, 50)).messages.map((m) => m.text);
    expect(stored).toContain('oh \\*\\*\\*\\* it');
    expect(stored).not.toContain('oh darn it');
    await Promise.all([alice.close(), bob.close()]);
  });

  it('keeps an unforwarded line to the sender and reports it with the channel context', async () => {
    const [alice, bob, carol] = [await guest('g-alice'), await guest('g-bob'), await guest('g-carol')];
    alice.send({ action: 'message', channel: 'lobby', message: 'context line one' });
    await bob.next((f) => f.action === 'message' && f['message'] === '<p>context line one</p>');
    const before = reports.length;
    alice.send({ action: 'message', channel: 'lobby', message: 'buy spamword now' });
    const own = await alice.next((f) => line(f) && f['message'] !== '<p>context line one</p>');
    expect(own).toEqual({ action: 'message', channel: 'lobby', username: 'g-alice', message: '<p>buy spamword now</p>', msgID: transientId });
    expect(isTransient(own['msgID'])).toBe(true);
    carol.send({ action: 'message', channel: 'lobby', message: 'sentinel' });
    expect(await bob.next(line)).toMatchObject({ username: 'g-carol', message: '<p>sentinel</p>' });
    await eventually(() => expect(reports.length).toBeGreaterThan(before));
    const report = reports.slice(before).find((r) => (r['Report'] as Record<string, unknown>)['Reason'] === 'Server Side Message Filter')!;
    expect(report['Action']).toBe('report');
    expect(report['APIKey']).toBe('00000000-0000-4000-8000-000000000000');
    const r = report['Report'] as Record<string, string>;
    expect(r).toMatchObject({ FromUsername: 'g-alice', AboutUsername: 'g-alice', Channel: 'lobby', Message: 'buy spamword now' });
    expect(r['Timestamp']).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(r['Comment']).toMatch(/^This is an automated report via server side chat filters\.\n\nThe recent context in this channel included the following conversation:\n\n/);
    expect(r['Comment']).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[g-alice\] context line one\n\n/);
    expect(r['Comment']!.endsWith('[g-alice] buy spamword now')).toBe(true);
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });

  it('filters DMs too, and leaves DMs with an operator alone', async () => {
    const [alice, bob, op] = [await guest('h-alice'), await guest('h-bob'), await website('h-op', { op: true })];
    dm(alice, 'h-bob', 'darn');
    expect(await alice.next(line)).toEqual(notice('Watch your language.'));
    expect(await alice.next(line)).toMatchObject({ channel: '@h-bob', message: '<p>****</p>' });
    expect(await bob.next(line)).toMatchObject({ channel: '@h-alice', message: '<p>****</p>' });
    dm(alice, 'h-op', 'darn');
    expect(await op.next(line)).toMatchObject({ channel: '@h-alice', message: '<p>darn</p>' });
    expect(await alice.next(line)).toMatchObject({ channel: '@h-op', message: '<p>darn</p>' });
    await Promise.all([alice.close(), bob.close(), op.close()]);
  });
});

describe('§6.3 report action', () => {
  it('answers that the webhook is off when it is', async () => {
    const alice = await guest('r-alice', plain);
    alice.send({ action: 'report', channel: 'lobby', username: 'r-bob', timestamp: 't', reason: 'r', message: 'm', comment: 'c' });
    expect(await alice.next(line)).toEqual(notice('Unfortunately, the report webhook is not enabled so your report could not be received!'));
    await alice.close();
  });

  it('posts the report, with DM context for a DM, and answers delivered', async () => {
    const [alice, bob] = [await guest('q-alice'), await guest('q-bob')];
    dm(bob, 'q-alice', 'rude words');
    await alice.next(line);
    const before = reports.length;
    alice.send({ action: 'report', channel: '@q-bob', username: 'q-bob', timestamp: '2025-03-30 10:00', reason: 'harassment', message: '<p>rude words</p>', comment: 'please look' });
    expect(await alice.next(line)).toEqual(notice('Your report has been delivered successfully.'));
    const r = reports[before]!['Report'] as Record<string, string>;
    expect(r).toMatchObject({ FromUsername: 'q-alice', AboutUsername: 'q-bob', Channel: '@q-bob', Timestamp: '2025-03-30 10:00', Reason: 'harassment', Comment: 'please look' });
    expect(r['Message']).toMatch(/^<p>rude words<\/p>\n\nRecent message context:\n\n\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[q-bob\] rude words$/);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('tells the reporter when the website fails', async () => {
    const alice = await guest('p-alice');
    alice.send({ action: 'report', channel: 'lobby', username: 'x', timestamp: '', reason: '', message: '', comment: 'fail' });
    expect(await alice.next(line)).toEqual(notice('Error sending the report to the website: the website answered with status 500'));
    await alice.close();
  });

  it('never holds up the socket while the website takes its time', async () => {
    const [alice, bob] = [await guest('t-alice'), await guest('t-bob')];
    const waiting = held.length;
    alice.send({ action: 'report', channel: 'lobby', username: 't-bob', timestamp: '', reason: '', message: 'slow', comment: 'hold' });
    await eventually(() => expect(held.length).toBe(waiting + 1));
    dm(alice, 't-bob', 'still here');
    expect(await alice.next(line)).toMatchObject({ action: 'message', channel: '@t-bob', message: '<p>still here</p>' });
    expect(await bob.next(line)).toMatchObject({ channel: '@t-alice', message: '<p>still here</p>' });
    held.splice(waiting, 1)[0]!.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    expect(await alice.next(line)).toEqual(notice('Your report has been delivered successfully.'));
    await Promise.all([alice.close(), bob.close()]);
  });
});

describe('§6.2 DM link-spam protection', () => {
  it('kicks the first time a link goes to too many threads, bans the next time, reporting both', async () => {
    let spammer = await guest('l-spam');
    const watcher = await guest('l-watch');
    const before = reports.length;
    dm(spammer, 'l-one', 'join https://elsewhere.example/room');
    dm(spammer, 'l-two', 'join https://elsewhere.example/room');
    dm(spammer, 'l-two', 'join https://elsewhere.example/room'); // the same thread again counts once
    dm(spammer, 'l-three', 'join elsewhere.example/room');
    expect(await spammer.next((f) => f.action === 'error' && f['message'] !== 'Could not deliver your message: @l-one appears not to be online.' && f['message'] !== 'Could not deliver your message: @l-two appears not to be online.')).toEqual(notice(LINK_SPAM_KICK));
    expect(await spammer.next(action('disconnect'))).toEqual({ action: 'disconnect' });
    expect(await watcher.next((f) => f.action === 'presence' && f['username'] === 'l-spam' && f['message'] !== 'has joined the room!')).toEqual({ action: 'presence', username: 'l-spam', message: 'has been kicked from the room!' });
    await eventually(() => expect(reports.slice(before).some((r) => (r['Report'] as Record<string, unknown>)['Comment'] === 'The user was **kicked** from the room with a warning.')).toBe(true));
    const kick = reports.slice(before).find((r) => (r['Report'] as Record<string, unknown>)['Reason'] === 'Spam Detected')!['Report'] as Record<string, string>;
    expect(kick).toMatchObject({ FromUsername: 'l-spam', AboutUsername: 'l-spam', Channel: '@l-three', Reason: 'Spam Detected', Message: '_In a DM to:_ @l-three<br>[l-spam] join elsewhere.example/room' });
    expect(kick['Timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await spammer.close();

    // Back in (the counters are in the database), the same link to one more thread: banned.
    spammer = await guest('l-spam');
    dm(spammer, 'l-four', 'https://elsewhere.example/room');
    expect(await spammer.next(line)).toEqual(notice(LINK_SPAM_BAN));
    expect(await spammer.next(action('disconnect'))).toEqual({ action: 'disconnect' });
    await eventually(() => expect(reports.slice(before).some((r) => (r['Report'] as Record<string, unknown>)['Comment'] === 'The user was **banned** from chat.')).toBe(true));
    const bans = await node.server.core.moderation.bans();
    expect(bans.find((b) => b.username === 'l-spam')).toBeDefined();
    await spammer.close();
    const again = await BareClient.open(node.wsUrl);
    again.send({ action: 'login', username: 'l-spam' });
    expect(await again.next(line)).toMatchObject({ action: 'error', message: expect.stringMatching(/^You are currently banned/) });
    await Promise.all([again.close(), watcher.close()]);
  });
});
