/** An API key as stored: its id, a keyed hash of its secret, an optional name. */
export interface StoredApiKey {
  readonly id: string;
  readonly secretHash: string;
  readonly name: string | null;
  readonly createdAt: number;
}

/** API keys of the invite API. */
export interface ApiKeyStore {
  create(key: StoredApiKey): Promise<void>;
  find(id: string): Promise<StoredApiKey | null>;
  /** Keys in creation order. */
  list(): Promise<StoredApiKey[]>;
  /** Resolves false when no key has this id. */
  delete(id: string): Promise<boolean>;
}
