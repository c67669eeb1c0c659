import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DomainEvent, EventAudience } from '../core/events.js';
import { toConversationId, toMessageId, toUserId, type ConversationId } from '../core/model/ids.js';
import type { AnySocketRoute, ProtocolName } from '../protocols/protocol.js';
import { createHub, type Hub } from './hub.js';
import { FakeTransport } from '../../test/helpers/fakes/fake-transport.js';

// The hub against recording transports: who receives what, and what access changes do to live
// sessions. Real sockets are exercised by the gateway and protocol suites.

interface RouteOptions { protocol?: ProtocolName; inBand?: boolean; evicted?: ConversationId[]; encodeCount?: { n: number } }
function route(options: RouteOptions = {}): AnySocketRoute {
  return {
    protocol: options.protocol ?? 'connor',
    match: () => null,
    maxPayload: 1024,
    slowConsumerCloseCode: 4999,
    ...(options.inBand ? { authenticatesInBand: true } : {}),
    onEvicted: (_conn, id) => void options.evicted?.push(id),
    accept: async () => ({ reject: { status: 404, contentType: 'text/plain', body: '' } }),
    encode: (event) => {
      if (options.encodeCount) options.encodeCount.n++;
      return event.type === 'message.created' ? event.message.text : event.type === 'typing.started' ? 'typing' : null;
    },
  } as AnySocketRoute;
}

const room = (id: number): EventAudience => ({ conversationId: toConversationId(id), kind: 'room', memberIds: [] });
const group = (id: number, members: number[]): EventAudience => ({ conversationId: toConversationId(id), kind: 'group', memberIds: members.map(toUserId) });
const author = { id: toUserId(99), username: 'zed', displayName: 'Zed' };
const message = (audience: EventAudience, text: string): DomainEvent => ({
  type: 'message.created',
  audience,
  message: { id: toMessageId(1), conversationId: audience.conversationId, authorId: author.id, text, format: 'plain', replyToId: null, clientId: null, createdAt: 0, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null },
  author,
});
const viewer = (userId: number, generation = 0, familyId: string | null = null) => ({ userId: toUserId(userId), generation, familyId });

let hub: Hub;
let clock = 1_000_000;
function makeHub(authTimeoutMs = 30_000, maxBufferedBytes = 1000): Hub {
  hub = createHub({ logger: pino({ level: 'silent' }), maxBufferedBytes, authTimeoutMs, now: () => clock });
  return hub;
}
function open(r: AnySocketRoute = route()) {
  const t = new FakeTransport();
  return { t, s: hub.open(t, r, undefined) };
}
afterEach(() => {
  hub.stop();
  vi.useRealTimers();
});

describe('hub fan-out', () => {
  it("encodes an event once per protocol and hands every recipient the same message", () => {
    makeHub();
    const count = { n: 0 };
    const r = route({ encodeCount: count });
    const sessions = Array.from({ length: 5 }, () => open(r));
    for (const { s } of sessions) s.subscribe(toConversationId(7));
    hub.deliver(message(room(7), 'hello'));
    expect(count.n).toBe(1);
    const first = sessions[0]!.t.written[0];
    for (const { t } of sessions) expect(t.written).toEqual([first]);
    for (const { t } of sessions) expect(t.written[0]).toBe(first); // the very same object: framed once
  });

  it('drops ephemeral events for a slow reader and closes it on the next real one', () => {
    makeHub(30_000, 1000);
    const { t, s } = open();
    s.subscribe(toConversationId(1));
    t.bufferedAmount = 5000;
    hub.deliver({ type: 'typing.started', audience: room(1), user: author });
    expect(t.written).toEqual([]);
    expect(t.closes).toEqual([]);
    hub.deliver(message(room(1), 'real'));
    expect(t.closes).toEqual([{ code: 4999, reason: 'slow consumer' }]);
  });

  it('writes nothing to a transport that is no longer open', () => {
    makeHub();
    const { t, s } = open();
    s.subscribe(toConversationId(1));
    t.isOpen = false;
    s.send('late');
    hub.deliver(message(room(1), 'late too'));
    expect(t.written).toEqual([]);
  });
});

describe('per-viewer access', () => {
  it("shows a group's events only to sessions whose user the event names, whatever they subscribed to", () => {
    makeHub();
    const member = open();
    const outsider = open();
    const anonymous = open();
    member.s.identify(viewer(1));
    outsider.s.identify(viewer(2));
    for (const x of [member, outsider, anonymous]) x.s.subscribe(toConversationId(5));
    hub.deliver(message(group(5, [1, 3]), 'members only'));
    expect(member.t.texts).toEqual(['members only']);
    expect(outsider.t.texts).toEqual([]);
    expect(anonymous.t.texts).toEqual([]);
  });

  it("reaches a member's own sessions that watch their user, without a subscription", () => {
    makeHub();
    const watching = open();
    const notWatching = open();
    watching.s.identify(viewer(1));
    watching.s.watchUser();
    notWatching.s.identify(viewer(1));
    hub.deliver(message(group(6, [1]), 'to you'));
    expect(watching.t.texts).toEqual(['to you']);
    expect(notWatching.t.texts).toEqual([]);
  });

  it('evicts a user who left a room after telling them, and tells the protocol', () => {
    makeHub();
    const evicted: ConversationId[] = [];
    const r = route({ evicted });
    const leaver = open(r);
    const stayer = open(r);
    leaver.s.identify(viewer(1));
    stayer.s.identify(viewer(2));
    leaver.s.subscribe(toConversationId(3));
    stayer.s.subscribe(toConversationId(3));
    hub.deliver({ type: 'member.left', audience: { ...room(3), memberIds: [toUserId(1)] }, user: { id: toUserId(1), username: 'a', displayName: 'a' }, at: 0 });
    expect(evicted).toEqual([toConversationId(3)]);
    hub.deliver(message(room(3), 'after'));
    expect(leaver.t.texts).toEqual([]);
    expect(stayer.t.texts).toEqual(['after']);
  });

  it('evicts a user banned from a room, and closes every session of a user banned server-wide', () => {
    makeHub();
    const a = open();
    const b = open();
    a.s.identify(viewer(1));
    b.s.identify(viewer(2));
    a.s.subscribe(toConversationId(3));
    b.s.subscribe(toConversationId(3));
    hub.deliver({ type: 'user.banned', userId: toUserId(1), conversationId: toConversationId(3) });
    hub.deliver(message(room(3), 'after ban'));
    expect(a.t.texts).toEqual([]);
    expect(a.t.closes).toEqual([]);
    hub.deliver({ type: 'user.banned', userId: toUserId(2), conversationId: null });
    expect(b.t.closes).toEqual([{ code: 1008, reason: 'banned' }]);
  });

  it('evicts every subscriber of a deleted conversation', () => {
    makeHub();
    const a = open();
    a.s.subscribe(toConversationId(4));
    hub.deliver({ type: 'conversation.deleted', audience: room(4) });
    hub.deliver(message(room(4), 'ghost'));
    expect(a.t.texts).toEqual([]);
  });
});

describe('ending sessions', () => {
  it('closes the sessions opened under an older token generation, and keeps newer ones', () => {
    makeHub();
    const old = open();
    const fresh = open();
    const other = open();
    old.s.identify(viewer(1, 0));
    fresh.s.identify(viewer(1, 1));
    other.s.identify(viewer(2, 0));
    hub.deliver({ type: 'account.revoked', userId: toUserId(1), generation: 1, reason: 'password' });
    expect(old.t.closes).toEqual([{ code: 1008, reason: 'session revoked' }]);
    expect(fresh.t.closes).toEqual([]);
    expect(other.t.closes).toEqual([]);
  });

  it('closes only the sessions of a revoked login (token family)', () => {
    makeHub();
    const a = open();
    const b = open();
    a.s.identify(viewer(1, 0, 'fam-a'));
    b.s.identify(viewer(1, 0, 'fam-b'));
    hub.deliver({ type: 'token_family.revoked', userId: toUserId(1), familyId: 'fam-a' });
    expect(a.t.closes).toHaveLength(1);
    expect(b.t.closes).toEqual([]);
  });

  it('closes a session that identifies with credentials read before a revocation it has already seen', () => {
    makeHub();
    hub.deliver({ type: 'account.revoked', userId: toUserId(1), generation: 2, reason: 'disabled' });
    const late = open();
    late.s.identify(viewer(1, 1));
    expect(late.t.closes).toEqual([{ code: 1008, reason: 'account disabled' }]);
    const fine = open();
    fine.s.identify(viewer(1, 2));
    expect(fine.t.closes).toEqual([]);
  });
});

describe('session lifecycle', () => {
  it('forgets a detached session everywhere and ignores what it asks for afterwards', () => {
    makeHub();
    const { t, s } = open();
    s.identify(viewer(1));
    s.watchUser();
    s.subscribe(toConversationId(1));
    s.listenBroadcasts();
    expect(hub.sessionsOf(toUserId(1))).toBe(1);
    hub.detach(s);
    s.subscribe(toConversationId(2));
    s.listenBroadcasts();
    expect(hub.size).toBe(0);
    expect(hub.sessionsOf(toUserId(1))).toBe(0);
    hub.deliver(message(room(1), 'x'));
    hub.deliver(message(room(2), 'y'));
    hub.deliver(message(group(3, [1]), 'z'));
    hub.deliver({ type: 'presence.changed', user: author, online: true });
    expect(t.written).toEqual([]);
  });

  it('drops what the first account could see when another account authenticates on the same socket', () => {
    makeHub();
    const { t, s } = open();
    s.identify(viewer(1));
    s.watchUser();
    s.subscribe(toConversationId(3));
    s.identify(viewer(2));
    hub.deliver(message(room(3), "first account's room"));
    hub.deliver(message(group(4, [1]), "first account's group"));
    expect(t.texts).toEqual([]);
    expect(hub.sessionsOf(toUserId(1))).toBe(0);
    expect(hub.sessionsOf(toUserId(2))).toBe(1);
  });

  it('subscribes a session waiting for a room once the room appears', () => {
    makeHub();
    const { t, s } = open();
    s.awaitRoom('lobby');
    hub.deliver({ type: 'member.joined', audience: { ...room(8), memberIds: [toUserId(1)] }, user: author, conversation: { id: toConversationId(8), kind: 'room', name: 'lobby', title: '', createdAt: 0, avatarFileId: null }, role: 'member', at: 0 } as DomainEvent);
    hub.deliver(message(room(8), 'first words'));
    expect(t.texts).toEqual(['first words']);
  });

  it('closes sessions that must authenticate in band and have not by the deadline', () => {
    vi.useFakeTimers();
    makeHub(1000);
    const silent = open(route({ inBand: true }));
    const authed = open(route({ inBand: true }));
    const anonymous = open(route()); // authenticated (or anonymous) at the upgrade
    authed.s.identify(viewer(1));
    clock += 1000;
    vi.advanceTimersByTime(1000);
    expect(silent.t.closes).toEqual([{ code: 1008, reason: 'authentication timeout' }]);
    expect(authed.t.closes).toEqual([]);
    expect(anonymous.t.closes).toEqual([]);
  });
});


describe('hub traffic (for /metrics)', () => {
  it('counts live sessions, messages in and messages written per protocol', () => {
    makeHub();
    const connor = route({ protocol: 'connor' });
    const barertc = route({ protocol: 'barertc' });
    const a = open(connor);
    const b = open(connor);
    const c = open(barertc);
    for (const { s } of [a, b, c]) s.subscribe(toConversationId(1));
    a.s.countReceived();
    hub.deliver(message(room(1), 'hello'));
    c.s.sendAll(['one', 'two']);
    expect(hub.traffic().get('connor')).toEqual({ sessions: 2, messagesIn: 1, messagesOut: 2 });
    expect(hub.traffic().get('barertc')).toEqual({ sessions: 1, messagesIn: 0, messagesOut: 3 });
    hub.detach(b.s);
    hub.detach(b.s); // idempotent: counted once
    expect(hub.traffic().get('connor')?.sessions).toBe(1);
  });
});
