import { ChatError } from '../errors.js';
import type { UserId } from '../model/ids.js';
import { toUsernameKey } from '../model/username.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

/** The limits of BareRTC's DM link-spam protection (`[DMLinkSpamProtection]`). */
export interface LinkSpamPolicy {
  /** More distinct DM threads than this, for the same link, is spam. */
  readonly maxThreads: number;
  /** Sends older than this (milliseconds) no longer count. */
  readonly windowMs: number;
}

/** What a DM's links call for: nothing, a warning kick (the first time), or a ban (after a warning). */
export type LinkSpamVerdict = 'ok' | 'kick' | 'ban';

/**
 * DM link-spam counters (BareRTC §6.2, later versions): the same link pasted into more than
 * `maxThreads` distinct DM threads within the window gets its sender kicked with a warning, and
 * banned if it happens again while the warning still counts. The counts live in the store, so
 * they hold on every node and across restarts.
 */
export interface LinkSpamService {
  /**
   * Count a DM from `userId` to `peerUsername` carrying these links (digests of the normalised
   * links, which the protocol extracts), and say what it calls for. The first link over the limit
   * decides, as in BareRTC. Rejects INVALID_INPUT for a policy below 1 thread or 1 ms.
   */
  check(userId: UserId, peerUsername: string, linkHashes: readonly string[], policy: LinkSpamPolicy): Promise<LinkSpamVerdict>;
}

export function createLinkSpamService(deps: { store: Store; clock: Clock }): LinkSpamService {
  const { store, clock } = deps;
  return {
    async check(userId, peerUsername, linkHashes, policy) {
      if (!(policy.maxThreads >= 1) || !(policy.windowMs >= 1)) throw new ChatError('INVALID_INPUT', 'A link-spam policy needs at least 1 thread and 1 ms');
      const at = clock.now();
      const thread = toUsernameKey(peerUsername);
      for (const linkHash of new Set(linkHashes)) {
        const { threads, warnedAt } = await store.linkSpam.record({ userId, linkHash, thread, at }, at - policy.windowMs);
        if (threads <= policy.maxThreads) continue;
        if (warnedAt !== null) return 'ban';
        await store.linkSpam.warn(userId, linkHash, at);
        return 'kick';
      }
      return 'ok';
    },
  };
}
