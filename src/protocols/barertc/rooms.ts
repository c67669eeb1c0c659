import type { Core } from '../../core/core.js';
import type { DomainEvent } from '../../core/events.js';
import type { Conversation } from '../../core/model/conversation.js';

/**
 * The core rooms behind BareRTC's channels, looked up once per node: every login joins every
 * channel and every public line names one, so asking the store each time would cost a read per
 * channel per login. A room deleted on any node is forgotten (conversation.deleted).
 */
export interface ChannelRooms {
  /** The room, created on first use. */
  open(channel: string): Promise<Conversation>;
  /** The room, or null when it does not exist (nothing is created). */
  find(channel: string): Promise<Conversation | null>;
  onEvent(event: DomainEvent): void;
}

export function createChannelRooms(core: Core): ChannelRooms {
  const byName = new Map<string, Conversation>();
  const remember = <R extends Conversation | null>(channel: string, room: R): R => {
    if (room) byName.set(channel, room);
    return room;
  };
  return {
    async open(channel) {
      return byName.get(channel) ?? remember(channel, await core.conversations.openRoom(channel));
    },
    async find(channel) {
      return byName.get(channel) ?? remember(channel, await core.conversations.findRoom(channel));
    },
    onEvent(event) {
      if (event.type !== 'conversation.deleted') return;
      for (const [name, room] of byName) if (room.id === event.audience.conversationId) byName.delete(name);
    },
  };
}
