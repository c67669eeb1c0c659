/**
 * Blocklists a website hands over before its user joins (BareRTC's /api/blocklist), kept by the
 * user's name (the account may not exist yet) until replaced. Names are stored as given.
 */
export interface BlocklistStore {
  /** Replace the list cached for this username (by its identity key). */
  set(username: string, names: readonly string[], at: number): Promise<void>;
  /** The list cached for this username, or [] when there is none. */
  get(username: string): Promise<string[]>;
}
