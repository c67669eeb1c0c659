import { ChatError } from '../errors.js';
import type { ConversationId, UserId } from '../model/ids.js';
import type { Principal } from '../model/principal.js';
import type { Relation, RelationKind } from '../model/relation.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { AccessEvents } from './access-events.js';

/** Mutes and blocks between users, and bans by operators or conversation moderators. */
export interface ModerationService {
  /**
   * Mute or block `target` for `owner`. Idempotent. Announces relation.changed, so live sessions
   * of both users on every node stop being shown what the relation hides (delivery-policy.ts).
   */
  relate(owner: Principal, target: UserId, kind: RelationKind): Promise<void>;
  /** Lift a mute or block; resolves false when there was none. Announced like relate. */
  unrelate(owner: Principal, target: UserId, kind: RelationKind): Promise<boolean>;
  /** Ids the owner has muted or blocked. */
  related(owner: UserId, kind: RelationKind): Promise<UserId[]>;
  /** Every relation of these kinds between users of the list, in one store query (who lists). */
  among(userIds: readonly UserId[], kinds: readonly RelationKind[]): Promise<Relation[]>;
  /** The relations that decide what the user's live sessions are not shown: its own, and blocks on it. One query. */
  involving(userId: UserId): Promise<Relation[]>;
  /**
   * Ban a user from a conversation (its owner/admin or an operator may), or server-wide
   * (conversationId null; operators only). `durationMs` null = permanent. A null actor is the
   * server's own operator at the console (the CLI). Live sessions of the user stop seeing the
   * conversation (a server-wide ban closes them) on every node.
   */
  ban(actor: Principal | null, userId: UserId, conversationId: ConversationId | null, reason: string, durationMs: number | null): Promise<void>;
  /** The server-wide bans in force, by username (BareRTC's `/bans`); `until` in unix ms, null = permanent. */
  bans(): Promise<Array<{ readonly userId: UserId; readonly username: string; readonly until: number | null }>>;
  /** Lift a ban; a null actor as for ban. Resolves false when there was none. */
  unban(actor: Principal | null, userId: UserId, conversationId: ConversationId | null): Promise<boolean>;
}

/** Mutes, blocks and bans over the store. */
export function createModerationService(deps: { store: Store; bus: Bus; clock: Clock; accessEvents: AccessEvents }): ModerationService {
  const { store, bus, clock, accessEvents } = deps;

  async function requireModerator(actor: Principal | null, conversationId: ConversationId | null): Promise<void> {
    if (actor === null) return;
    const user = await store.users.findById(actor.id);
    if (user?.isOperator) return;
    if (conversationId !== null) {
      const membership = await store.conversations.getMember(conversationId, actor.id);
      if (membership && membership.role !== 'member') return;
    }
    throw new ChatError('FORBIDDEN', 'Only operators and conversation moderators can ban');
  }

  return {
    async relate(owner, target, kind) {
      if (owner.id === target) throw new ChatError('INVALID_INPUT', `Cannot ${kind} yourself`);
      if (!(await store.users.findById(target))) throw new ChatError('USER_NOT_FOUND', 'User not found');
      // Announced only when new: BareRTC pages re-send their whole blocklist on every reconnect.
      if (await store.relations.add({ ownerId: owner.id, targetId: target, kind })) {
        await bus.publish({ type: 'relation.changed', ownerId: owner.id, targetId: target, kind, added: true });
      }
    },
    async unrelate(owner, target, kind) {
      const removed = await store.relations.remove({ ownerId: owner.id, targetId: target, kind });
      if (removed) await bus.publish({ type: 'relation.changed', ownerId: owner.id, targetId: target, kind, added: false });
      return removed;
    },
    related: async (owner, kind) => (await store.relations.list(owner, kind)).map((r) => r.targetId),
    among: (userIds, kinds) => store.relations.among(userIds, kinds),
    involving: (userId) => store.relations.involving(userId),
    async ban(actor, userId, conversationId, reason, durationMs) {
      await requireModerator(actor, conversationId);
      if (!(await store.users.findById(userId))) throw new ChatError('USER_NOT_FOUND', 'User not found');
      await store.relations.ban({ userId, conversationId, reason, until: durationMs === null ? null : clock.now() + durationMs });
      // Live sessions stop seeing the conversation (or, server-wide, are closed) on every node.
      await accessEvents.announce({ type: 'user.banned', userId, conversationId });
    },
    bans: async () => (await store.relations.serverBans(clock.now())).map((b) => ({ userId: b.userId, username: b.username, until: b.until })),
    async unban(actor, userId, conversationId) {
      await requireModerator(actor, conversationId);
      return store.relations.unban(userId, conversationId);
    },
  };
}
