import { describe, expect, it } from 'vitest';
import type { Core } from '../../core/core.js';
import type { Conversation } from '../../core/model/conversation.js';
import { toConversationId } from '../../core/model/ids.js';
import { createChannelRooms } from './rooms.js';

describe('channel rooms', () => {
  it('asks the core once per channel, and again after the room is deleted anywhere', async () => {
    let next = 1;
    const calls: string[] = [];
    const room = (name: string) => ({ id: toConversationId(next++), kind: 'room', name }) as unknown as Conversation;
    const existing = new Map<string, Conversation>();
    const core = {
      conversations: {
        openRoom: async (name: string) => (calls.push(`open ${name}`), existing.get(name) ?? (existing.set(name, room(name)), existing.get(name)!)),
        findRoom: async (name: string) => (calls.push(`find ${name}`), existing.get(name) ?? null),
      },
    } as unknown as Core;
    const rooms = createChannelRooms(core);
    expect(await rooms.find('lobby')).toBeNull();
    const lobby = await rooms.open('lobby');
    expect(await rooms.open('lobby')).toBe(lobby);
    expect(await rooms.find('lobby')).toBe(lobby);
    expect(calls).toEqual(['find lobby', 'open lobby']);
    rooms.onEvent({ type: 'conversation.deleted', audience: { conversationId: lobby.id, kind: 'room', memberIds: [] } });
    existing.delete('lobby');
    const again = await rooms.open('lobby');
    expect(again.id).not.toBe(lobby.id);
    expect(calls).toEqual(['find lobby', 'open lobby', 'open lobby']);
  });
});
