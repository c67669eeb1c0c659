import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';
import { connect, TestSocket } from '../../helpers/ws-client.js';

// reference/barertc.md §4: the chat socket at /ws, with real ws clients against a node on port 0.
let node: TestNode;
beforeAll(async () => {
  node = await startNode();
});
afterAll(() => node.stop());

type Frame = Record<string, unknown> & { action: string };

/** A BareRTC client: frames parsed, awaited by predicate so unrelated frames (who, presence) may interleave. */
class Client {
  #seen = 0;
  constructor(readonly socket: TestSocket) {}
  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }
  /** The next frame (after those already consumed) that matches. */
  async next(match: (f: Frame) => boolean = () => true): Promise<Frame> {
    for (;;) {
      const f = JSON.parse(await this.socket.frame(this.#seen++)) as Frame;
      if (match(f)) return f;
    }
  }
  all(): Frame[] {
    return this.socket.received.map((t) => JSON.parse(t) as Frame);
  }
  close(): void {
    this.socket.close();
  }
}

async function guest(name: string): Promise<Client> {
  const c = new Client(await connect(`${node.wsUrl}/ws`));
  c.send({ action: 'login', username: name });
  return c;
}

const action = (a: string) => (f: Frame) => f.action === a;

describe('login as a guest (JWT off)', () => {
  it('answers me, who, echo, then the presence line, in that order', async () => {
    const alice = await guest('alice');
    const me = await alice.next();
    expect(me).toEqual({ action: 'me', username: 'alice', video: 0 });
    const who = await alice.next();
    expect(who.action).toBe('who');
    expect(who['whoList']).toEqual([{ username: 'alice', status: 'online', video: 0, loginAt: expect.any(Number), op: false }]);
    expect(await alice.next()).toEqual({ action: 'echo' });
    expect(await alice.next()).toEqual({ action: 'presence', username: 'alice', message: 'has joined the room!' });
    alice.close();
    await alice.socket.closed;
  });

  it('renames a guest whose name is online, and shows both in every who list', async () => {
    const first = await guest('dup');
    await first.next(action('me'));
    const second = await guest('dup');
    expect(await second.next(action('me'))).toMatchObject({ username: 'dup 2' });
    const names = async (c: Client) => {
      for (;;) {
        const who = await c.next(action('who'));
        const list = (who['whoList'] as { username: string }[]).map((e) => e.username);
        if (list.includes('dup') && list.includes('dup 2')) return list;
      }
    };
    expect(await names(first)).toEqual(['dup', 'dup 2']);
    expect(await names(second)).toEqual(['dup', 'dup 2']);
    second.close();
    // (dup 2's arrival line may come after the who lists: presence lines about others are batched)
    expect(await first.next((f) => f.action === 'presence' && f['message'] !== 'has joined the room!')).toEqual({ action: 'presence', username: 'dup 2', message: 'has exited the room!' });
    first.close();
  });

  it('refuses everything but login before login', async () => {
    const c = new Client(await connect(`${node.wsUrl}/ws`));
    c.send({ action: 'message', channel: 'lobby', message: 'hi' });
    expect(await c.next()).toEqual({ action: 'error', username: 'ChatServer', message: 'You must log in first.' });
    c.close();
  });
});

describe('public channels and DMs', () => {
  it('broadcasts a lobby line to everyone, the sender included, as HTML with a msgID; connor sees it in its room lobby', async () => {
    const carol = await guest('carol');
    await carol.next(action('presence'));
    const dave = await guest('dave');
    await dave.next(action('presence'));
    const connor = await connect(`${node.wsUrl}/api/v1/rooms/lobby/messages/ws`);
    carol.send({ action: 'message', channel: 'lobby', message: 'hello <b>world</b>' });
    for (const c of [carol, dave]) {
      const m = await c.next(action('message'));
      expect(m).toEqual({ action: 'message', channel: 'lobby', username: 'carol', message: expect.stringContaining('hello'), msgID: expect.any(Number) });
      expect(m['message']).not.toContain('<b>');
    }
    const [heard] = await connor.json<{ sender: { username: string }; text: string }[]>(0);
    expect(heard).toMatchObject({ sender: { username: 'carol' }, text: 'hello <b>world</b>' });
    for (const c of [carol, dave]) c.close();
    connor.close();
  });

  it('delivers a DM to both parties, each seeing the other as the channel, with one msgID', async () => {
    const erin = await guest('erin');
    await erin.next(action('presence'));
    const frank = await guest('frank');
    await frank.next(action('presence'));
    erin.send({ action: 'message', channel: '@frank', message: 'psst' });
    const mine = await erin.next(action('message'));
    const theirs = await frank.next(action('message'));
    expect(mine).toMatchObject({ channel: '@frank', username: 'erin' });
    expect(theirs).toMatchObject({ channel: '@erin', username: 'erin', msgID: mine['msgID'] });
    erin.send({ action: 'message', channel: '@nobody-here', message: 'hello?' });
    expect(await erin.next(action('error'))).toEqual({ action: 'error', username: 'ChatServer', message: 'Could not deliver your message: @nobody-here appears not to be online.' });
    // A DM to yourself echoes (BareBot's deadlock probe depends on it).
    frank.send({ action: 'message', channel: '@frank', message: 'deadlock ping' });
    expect(await frank.next(action('message'))).toMatchObject({ channel: '@frank', username: 'frank' });
    erin.close();
    frank.close();
  });
});

/** Log in and read up to the presence line, so later frames are the test's. */
async function ready(name: string): Promise<Client> {
  const c = await guest(name);
  await c.next(action('presence'));
  return c;
}

/** The next who list that satisfies `ok`. */
async function whoUntil(c: Client, ok: (list: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
  for (;;) {
    const list = (await c.next(action('who')))['whoList'] as Record<string, unknown>[];
    if (ok(list)) return list;
  }
}

describe('cameras, signalling and reactions', () => {
  it('shows a new camera and status in everyone\'s who list, rings the broadcaster and relays signalling both ways', async () => {
    const gina = await ready('gina');
    const hank = await ready('hank');
    gina.send({ action: 'me', video: 1, status: 'away' });
    const list = await whoUntil(hank, (l) => l.some((e) => e['username'] === 'gina' && e['video'] === 1));
    expect(list.find((e) => e['username'] === 'gina')).toMatchObject({ status: 'away', video: 1 });
    hank.send({ action: 'open', username: 'gina' });
    const opened = await hank.next(action('open'));
    const ring = await gina.next(action('ring'));
    expect(opened).toEqual({ action: 'open', username: 'gina', openSecret: expect.stringMatching(/^[a-z]{16}$/) });
    expect(ring).toEqual({ action: 'ring', username: 'hank', openSecret: opened['openSecret'] });
    hank.send({ action: 'sdp', username: 'gina', description: '"offer"' });
    expect(await gina.next(action('sdp'))).toEqual({ action: 'sdp', username: 'hank', description: '"offer"' });
    gina.send({ action: 'candidate', username: 'hank', candidate: '"cand"' });
    expect(await hank.next(action('candidate'))).toEqual({ action: 'candidate', username: 'gina', candidate: '"cand"' });
    hank.send({ action: 'open', username: 'nobody' });
    expect(await hank.next(action('error'))).toMatchObject({ message: 'Could not open that video: nobody appears to be offline.' });
    gina.send({ action: 'me', video: 0 });
    await whoUntil(hank, (l) => l.some((e) => e['username'] === 'gina' && e['video'] === 0));
    hank.send({ action: 'open', username: 'gina' });
    expect(await hank.next(action('error'))).toMatchObject({ message: 'Could not open that video: Their video is not currently enabled.' });
    gina.close();
    hank.close();
  });

  it('broadcasts reactions and takes a message back everywhere', async () => {
    const ivy = await ready('ivy');
    const jon = await ready('jon');
    ivy.send({ action: 'message', channel: 'lobby', message: 'oops' });
    const { msgID } = await jon.next(action('message'));
    jon.send({ action: 'react', msgID, message: '👍' });
    expect(await ivy.next(action('react'))).toEqual({ action: 'react', username: 'jon', message: '👍', msgID });
    jon.send({ action: 'takeback', msgID });
    expect(await jon.next(action('error'))).toMatchObject({ message: 'That is not your message to take back.' });
    ivy.send({ action: 'takeback', msgID });
    for (const c of [ivy, jon]) expect(await c.next(action('takeback'))).toEqual({ action: 'takeback', msgID });
    ivy.close();
    jon.close();
  });

  it('hides two users from each other after a block, and darkens a camera for a muted viewer', async () => {
    const kim = await ready('kim');
    const lee = await ready('lee');
    const max = await ready('max');
    kim.send({ action: 'me', video: 1 });
    await whoUntil(lee, (l) => l.some((e) => e['username'] === 'kim' && e['video'] === 1));
    kim.send({ action: 'mute', username: 'lee' });
    await whoUntil(lee, (l) => l.some((e) => e['username'] === 'kim' && e['video'] === 0));
    expect((await whoUntil(max, (l) => l.some((e) => e['username'] === 'kim' && e['video'] === 1))).length).toBeGreaterThan(0);
    kim.send({ action: 'block', username: 'max' });
    const forMax = await whoUntil(max, (l) => !l.some((e) => e['username'] === 'kim'));
    expect(forMax.map((e) => e['username'])).toContain('lee');
    await whoUntil(kim, (l) => !l.some((e) => e['username'] === 'max'));
    for (const c of [kim, lee, max]) c.close();
  });
});
