import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent, EventAudience } from '../core/events.js';
import { toConversationId, toMessageId, toUserId, type UserId } from '../core/model/ids.js';
import type { Relation } from '../core/model/relation.js';
import type { AnySocketRoute } from '../protocols/protocol.js';
import { createHub, type Hub } from './hub.js';
import { FakeTransport } from '../../test/helpers/fakes/fake-transport.js';

// Mutes and blocks at delivery (DESIGN.md "Hub"): each identified session's hidden authors are
// read once when it identifies, kept up to date by relation.changed, and checked per delivery.

const route = {
  protocol: 'connor',
  match: () => null,
  maxPayload: 1024,
  slowConsumerCloseCode: 4999,
  accept: async () => ({ reject: { status: 404, contentType: 'text/plain', body: '' } }),
  encode: (event: DomainEvent) => (event.type === 'message.created' ? `${event.author.username}: ${event.message.text}` : event.type === 'typing.started' ? `${event.user.username} typing` : null),
} as unknown as AnySocketRoute;

const ROOM = toConversationId(7);
const room: EventAudience = { conversationId: ROOM, kind: 'room', memberIds: [] };
const [ann, ben, cat] = [1, 2, 3].map(toUserId) as [UserId, UserId, UserId];
const names = new Map([[ann, 'ann'], [ben, 'ben'], [cat, 'cat']]);
const who = (id: UserId) => ({ id, username: names.get(id)!, displayName: names.get(id)! });
const said = (author: UserId, text: string, audience: EventAudience = room): DomainEvent => ({
  type: 'message.created',
  audience,
  message: { id: toMessageId(1), conversationId: audience.conversationId, authorId: author, text, format: 'plain', replyToId: null, clientId: null, createdAt: 0, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null },
  author: who(author),
});
const changed = (ownerId: UserId, targetId: UserId, kind: Relation['kind'], added: boolean): DomainEvent => ({ type: 'relation.changed', ownerId, targetId, kind, added });

let hub: Hub;
/** The relations in "the store", and how many times the hub read them. */
let stored: Relation[] = [];
let reads = 0;
let gate: Promise<void> = Promise.resolve();
function makeHub(read?: (userId: UserId) => Promise<readonly Relation[]>): Hub {
  hub = createHub({
    logger: pino({ level: 'silent' }),
    maxBufferedBytes: 1 << 20,
    authTimeoutMs: 30_000,
    relationsOf: read ?? (async (userId) => {
      reads++;
      await gate;
      return stored.filter((r) => r.ownerId === userId || (r.targetId === userId && r.kind === 'block'));
    }),
  });
  return hub;
}
/** A session of `userId` listening to the room, once its relations are read. */
async function viewer(userId: UserId | null) {
  const t = new FakeTransport();
  const s = hub.open(t, route, undefined);
  if (userId !== null) s.identify({ userId, generation: 0, familyId: null });
  s.subscribe(ROOM);
  await new Promise((r) => setImmediate(r));
  return t;
}
afterEach(() => {
  hub.stop();
  stored = [];
  reads = 0;
  gate = Promise.resolve();
});

describe('mutes and blocks at delivery', () => {
  it("does not show a viewer what someone it muted or blocked, or someone who blocked it, says; others still hear them", async () => {
    stored = [{ ownerId: ann, targetId: ben, kind: 'mute' }, { ownerId: cat, targetId: ann, kind: 'block' }];
    makeHub();
    const [a, b, c, anon] = [await viewer(ann), await viewer(ben), await viewer(cat), await viewer(null)];
    hub.deliver(said(ben, 'b1'));
    hub.deliver(said(cat, 'c1'));
    hub.deliver(said(ann, 'a1'));
    expect(a.texts).toEqual(['ann: a1']);
    expect(b.texts).toEqual(['ben: b1', 'cat: c1', 'ann: a1']); // being muted hides nothing from ben
    expect(c.texts).toEqual(['ben: b1', 'cat: c1']); // a block hides both ways
    expect(anon.texts).toEqual(['ben: b1', 'cat: c1', 'ann: a1']);
    expect(reads).toBe(3); // one read per identified session
  });

  it('applies mutes set and lifted on any node at the next delivery, typing included, and keeps a block after an unmute', async () => {
    makeHub();
    const a = await viewer(ann);
    hub.deliver(changed(ann, ben, 'mute', true));
    hub.deliver(said(ben, 'hidden'));
    hub.deliver({ type: 'typing.started', audience: room, user: who(ben) });
    hub.deliver(changed(ann, ben, 'block', true));
    hub.deliver(changed(ann, ben, 'mute', false));
    hub.deliver(said(ben, 'still blocked'));
    hub.deliver(changed(ann, ben, 'block', false));
    hub.deliver(said(ben, 'back'));
    expect(a.texts).toEqual(['ben: back']);
  });

  it('hides DMs and group messages too, for the muter only', async () => {
    makeHub();
    stored = [{ ownerId: ann, targetId: ben, kind: 'mute' }];
    const direct: EventAudience = { conversationId: toConversationId(9), kind: 'direct', memberIds: [ann, ben] };
    const t = new FakeTransport();
    const s = hub.open(t, route, undefined);
    s.identify({ userId: ann, generation: 0, familyId: null });
    s.watchUser();
    const tb = new FakeTransport();
    const sb = hub.open(tb, route, undefined);
    sb.identify({ userId: ben, generation: 0, familyId: null });
    sb.watchUser();
    await new Promise((r) => setImmediate(r));
    hub.deliver(said(ben, 'psst', direct));
    hub.deliver(said(ann, 'hello', direct));
    expect(t.texts).toEqual(['ann: hello']);
    expect(tb.texts).toEqual(['ben: psst', 'ann: hello']);
  });

  it('applies a change that arrives while the relations are being read after the read', async () => {
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    stored = [{ ownerId: ann, targetId: ben, kind: 'mute' }, { ownerId: ann, targetId: cat, kind: 'mute' }];
    makeHub();
    const t = new FakeTransport();
    const s = hub.open(t, route, undefined);
    s.identify({ userId: ann, generation: 0, familyId: null });
    s.subscribe(ROOM);
    // The read saw both mutes; cat's unmute and cat's block of ann arrive before its answer.
    hub.deliver(changed(ann, cat, 'mute', false));
    hub.deliver(changed(cat, ann, 'block', true));
    hub.deliver(changed(ann, ben, 'mute', true)); // already in the read: harmless twice
    open();
    await new Promise((r) => setImmediate(r));
    hub.deliver(said(ben, 'b'));
    hub.deliver(said(cat, 'c'));
    expect(t.texts).toEqual([]);
    hub.deliver(changed(cat, ann, 'block', false));
    hub.deliver(said(cat, 'c2'));
    expect(t.texts).toEqual(['cat: c2']);
  });

  it('holds what arrives while the relations are read, then shows only what they allow, in order', async () => {
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    stored = [{ ownerId: ann, targetId: ben, kind: 'mute' }];
    makeHub();
    const t = new FakeTransport();
    const s = hub.open(t, route, undefined);
    s.identify({ userId: ann, generation: 0, familyId: null });
    s.subscribe(ROOM);
    hub.deliver(said(ben, 'muted, just after login'));
    hub.deliver(said(cat, 'first'));
    hub.deliver(said(cat, 'second'));
    expect(t.texts).toEqual([]);
    open();
    await new Promise((r) => setImmediate(r));
    expect(t.texts).toEqual(['cat: first', 'cat: second']);
    hub.deliver(said(cat, 'third'));
    expect(t.texts).toEqual(['cat: first', 'cat: second', 'cat: third']);
  });

  it('keeps the framed-once path: viewers that hide nothing get the very same message object', async () => {
    stored = [{ ownerId: ann, targetId: ben, kind: 'mute' }];
    makeHub();
    const [a, c1, c2] = [await viewer(ann), await viewer(cat), await viewer(cat)];
    hub.deliver(said(ben, 'x'));
    expect(a.written).toEqual([]);
    expect(c1.written[0]).toBe(c2.written[0]);
  });

  it('forgets what the previous account hid when another account identifies on the same session', async () => {
    stored = [{ ownerId: ann, targetId: ben, kind: 'mute' }];
    makeHub();
    const t = new FakeTransport();
    const s = hub.open(t, route, undefined);
    s.identify({ userId: ann, generation: 0, familyId: null });
    await new Promise((r) => setImmediate(r));
    s.identify({ userId: cat, generation: 0, familyId: null });
    s.subscribe(ROOM);
    await new Promise((r) => setImmediate(r));
    hub.deliver(said(ben, 'seen by cat'));
    expect(t.texts).toEqual(['ben: seen by cat']);
  });

  it('closes a session whose relations cannot be read rather than show it what a block hides', async () => {
    makeHub(async () => { throw new Error('database down'); });
    const t = new FakeTransport();
    hub.open(t, route, undefined).identify({ userId: ann, generation: 0, familyId: null });
    await new Promise((r) => setImmediate(r));
    expect(t.closes).toEqual([{ code: 1008, reason: 'internal error' }]);
  });
});
