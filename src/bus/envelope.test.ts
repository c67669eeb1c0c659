import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../core/events.js';
import { toConversationId, toMessageId, toUserId } from '../core/model/ids.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';

const event: DomainEvent = {
  type: 'message.created',
  audience: { conversationId: toConversationId(2), kind: 'room', memberIds: [] },
  message: {
    id: toMessageId(41), conversationId: toConversationId(2), authorId: toUserId(1), text: 'hi *there*',
    format: 'markdown', replyToId: null, clientId: 'abc', createdAt: 1_700_000_000_000, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null,
  },
  author: { id: toUserId(1), username: 'ada', displayName: 'Ada' },
};

describe('bus envelope', () => {
  it('round-trips the node id and a deep-equal event', () => {
    expect(decodeEnvelope(encodeEnvelope('node-1', event))).toEqual({ nodeId: 'node-1', event });
  });

  it('encodes version 1 with the node id and event', () => {
    expect(JSON.parse(encodeEnvelope('node-1', event))).toEqual({ v: 1, nodeId: 'node-1', event });
  });

  it('carries the send time for the bus lag, still as version 1 so nodes of the previous version read it', () => {
    const raw = encodeEnvelope('node-1', event, 1_700_000_000_123);
    expect(JSON.parse(raw)).toEqual({ v: 1, nodeId: 'node-1', event, sentAt: 1_700_000_000_123 });
    expect(decodeEnvelope(raw)).toEqual({ nodeId: 'node-1', event, sentAt: 1_700_000_000_123 });
  });

  it('reads envelopes of nodes that stamp no send time, and ignores a malformed one', () => {
    expect(decodeEnvelope(JSON.stringify({ v: 1, nodeId: 'old-node', event }))).toStrictEqual({ nodeId: 'old-node', event });
    expect(decodeEnvelope(JSON.stringify({ v: 1, nodeId: 'n', event, sentAt: 'yesterday' }))).toStrictEqual({ nodeId: 'n', event });
  });

  it.each([
    ['garbage JSON', '{"v":1,'],
    ['a JSON non-object', '[1,2]'],
    ['JSON null', 'null'],
    ['a wrong version', JSON.stringify({ v: 2, nodeId: 'n', event })],
    ['a missing version', JSON.stringify({ nodeId: 'n', event })],
    ['an unknown event type', JSON.stringify({ v: 1, nodeId: 'n', event: { ...event, type: 'message.exploded' } })],
    ['an event without a type', JSON.stringify({ v: 1, nodeId: 'n', event: { audience: event.audience } })],
    ['a non-object event', JSON.stringify({ v: 1, nodeId: 'n', event: 'message.created' })],
    ['a missing nodeId', JSON.stringify({ v: 1, event })],
    ['an empty nodeId', JSON.stringify({ v: 1, nodeId: '', event })],
    ['a numeric nodeId', JSON.stringify({ v: 1, nodeId: 7, event })],
  ])('returns null for %s', (_label, raw) => {
    expect(decodeEnvelope(raw)).toBeNull();
  });
});
