import { ChatError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { MAX_USERNAME_LENGTH } from './validate.js';

/** Most names one cached blocklist may hold (a website's block list, not a directory dump). */
export const MAX_BLOCKLIST_NAMES = 10_000;

/**
 * Blocklists a website hands over before its user joins (BareRTC's /api/blocklist). They live in
 * the store, so every node applies the same list at login and it survives restarts.
 */
export interface BlocklistService {
  /**
   * Replace the list cached for `username` (the account may not exist yet). Empty and duplicate
   * names are dropped. Rejects INVALID_INPUT for more than MAX_BLOCKLIST_NAMES names or a name
   * longer than a username may be.
   */
  cache(username: string, names: readonly string[]): Promise<void>;
  /** The list cached for `username`, or [] when there is none. */
  cached(username: string): Promise<string[]>;
}

/** Cached blocklists over the store. */
export function createBlocklistService(deps: { store: Store; clock: Clock }): BlocklistService {
  const { store, clock } = deps;
  return {
    async cache(username, names) {
      if (username === '' || username.length > MAX_USERNAME_LENGTH) throw new ChatError('INVALID_INPUT', 'Username must be 1 to 255 characters');
      if (names.length > MAX_BLOCKLIST_NAMES) throw new ChatError('INVALID_INPUT', `A blocklist holds at most ${MAX_BLOCKLIST_NAMES} names`);
      if (names.some((n) => n.length > MAX_USERNAME_LENGTH)) throw new ChatError('INVALID_INPUT', 'A blocked name is longer than a username may be');
      await store.blocklists.set(username, [...new Set(names.filter((n) => n !== ''))], clock.now());
    },
    cached: (username) => (username === '' ? Promise.resolve([]) : store.blocklists.get(username)),
  };
}
