import { describe, expect, it } from 'vitest';
import type { DomainEvent, EventAudience } from '../events.js';
import { toConversationId, toMessageId, toUserId } from '../model/ids.js';
import type { Relation } from '../model/relation.js';
import { applyRelationChange, HiddenBecause, hiddenAuthorsOf, hiddenFrom, hidingAuthorOf } from './delivery-policy.js';

// Mutes and blocks at delivery (reference/barertc.md §4.6): which authors a viewer is not shown.
const [me, x, y, z] = [1, 2, 3, 4].map(toUserId) as [ReturnType<typeof toUserId>, ReturnType<typeof toUserId>, ReturnType<typeof toUserId>, ReturnType<typeof toUserId>];
const rel = (ownerId: typeof me, targetId: typeof me, kind: Relation['kind']): Relation => ({ ownerId, targetId, kind });

describe('hidden authors of a viewer', () => {
  it('hides whom the viewer muted or blocked, and whoever blocked the viewer, but not whoever muted it', () => {
    const hidden = hiddenAuthorsOf(me, [rel(me, x, 'mute'), rel(me, y, 'block'), rel(z, me, 'block'), rel(y, me, 'mute'), rel(x, y, 'block')]);
    expect(hidden).toEqual(new Map([[x, HiddenBecause.Muted], [y, HiddenBecause.Blocked], [z, HiddenBecause.BlockedBy]]));
  });

  it('is null, the shared fast path, for a viewer whose relations hide nothing', () => {
    expect(hiddenAuthorsOf(me, [])).toBeNull();
    expect(hiddenAuthorsOf(me, [rel(x, me, 'mute'), rel(x, y, 'block')])).toBeNull();
  });

  it('keeps every reason: lifting a mute leaves a block (either way) standing', () => {
    let hidden = hiddenAuthorsOf(me, [rel(me, x, 'mute'), rel(me, x, 'block'), rel(x, me, 'block')]);
    expect(hidden?.get(x)).toBe(HiddenBecause.Muted | HiddenBecause.Blocked | HiddenBecause.BlockedBy);
    hidden = applyRelationChange(hidden, me, { ...rel(me, x, 'mute'), added: false });
    expect(hidden?.get(x)).toBe(HiddenBecause.Blocked | HiddenBecause.BlockedBy);
    hidden = applyRelationChange(hidden, me, { ...rel(me, x, 'block'), added: false });
    expect(hidden?.get(x)).toBe(HiddenBecause.BlockedBy);
    hidden = applyRelationChange(hidden, me, { ...rel(x, me, 'block'), added: false });
    expect(hidden).toBeNull();
  });

  it('applies a change idempotently, so one already in what was loaded changes nothing', () => {
    const loaded = hiddenAuthorsOf(me, [rel(me, x, 'mute')]);
    const again = applyRelationChange(loaded, me, { ...rel(me, x, 'mute'), added: true });
    expect(again).toEqual(new Map([[x, HiddenBecause.Muted]]));
    expect(applyRelationChange(null, me, { ...rel(me, x, 'mute'), added: false })).toBeNull();
  });

  it("ignores changes that hide nothing from this viewer (someone muting it, others' relations)", () => {
    expect(applyRelationChange(null, me, { ...rel(x, me, 'mute'), added: true })).toBeNull();
    expect(applyRelationChange(null, me, { ...rel(x, y, 'block'), added: true })).toBeNull();
    expect(applyRelationChange(null, me, { ...rel(x, me, 'block'), added: true })).toEqual(new Map([[x, HiddenBecause.BlockedBy]]));
  });
});

describe('events mutes and blocks apply to', () => {
  const audience: EventAudience = { conversationId: toConversationId(5), kind: 'room', memberIds: [] };
  const author = { id: x, username: 'x', displayName: 'X' };
  const message = { id: toMessageId(9), conversationId: audience.conversationId, authorId: x, text: 'hi', format: 'plain' as const, replyToId: null, clientId: null, createdAt: 0, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null };

  it('names the author of messages, edits, typing and attributed broadcasts', () => {
    expect(hidingAuthorOf({ type: 'message.created', audience, message, author })).toBe(x);
    expect(hidingAuthorOf({ type: 'message.created', audience: { ...audience, kind: 'direct', memberIds: [x, me] }, message, author })).toBe(x);
    expect(hidingAuthorOf({ type: 'message.edited', audience, message, author })).toBe(x);
    expect(hidingAuthorOf({ type: 'typing.started', audience, user: author })).toBe(x);
    expect(hidingAuthorOf({ type: 'protocol.broadcast', protocol: 'barertc', authorId: x, payload: '{}' })).toBe(x);
  });

  it('names nobody for events no author sets off for others to read', () => {
    const others: DomainEvent[] = [
      { type: 'message.deleted', audience, messageId: message.id, deletedBy: author },
      { type: 'presence.changed', user: author, online: true },
      { type: 'relation.changed', ownerId: me, targetId: x, kind: 'mute', added: true },
      { type: 'session.signal', protocol: 'barertc', userId: me, payload: '{}' },
    ];
    for (const e of others) expect(hidingAuthorOf(e)).toBeNull();
  });

  it('hides an event only from viewers that hide its author', () => {
    const hidden = hiddenAuthorsOf(me, [rel(me, x, 'mute')]);
    expect(hiddenFrom(hidden, x)).toBe(true);
    expect(hiddenFrom(hidden, y)).toBe(false);
    expect(hiddenFrom(hidden, null)).toBe(false);
    expect(hiddenFrom(null, x)).toBe(false);
  });
});
