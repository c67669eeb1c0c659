import { ChatError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Secrets } from '../ports/secrets.js';
import type { Store } from '../ports/store.js';

/** Random bytes in a key id (12 base64url characters) and a secret (36), as Prosody 0.12 makes them. */
const ID_BYTES = 9;
const SECRET_BYTES = 27;

/** Keys for the invite API: created and managed by operators (the CLI), checked on each request. */
export interface ApiKeyService {
  /** A new key; `key` (`<id>/<secret>`) is shown once and never stored. */
  create(name: string | null): Promise<{ id: string; key: string }>;
  list(): Promise<{ id: string; name: string | null }[]>;
  /** Rejects KEY_NOT_FOUND for an unknown id. */
  delete(id: string): Promise<void>;
  /** The key's id when `<id>/<secret>` (split at the first "/") names a key and its secret matches, in constant time; else null. */
  check(key: string): Promise<string | null>;
}

/** API keys over the store, secrets hashed with the server key. */
export function createApiKeyService(deps: { store: Store; clock: Clock; secrets: Secrets }): ApiKeyService {
  const { store, clock, secrets } = deps;
  return {
    async create(name) {
      const id = secrets.randomToken(ID_BYTES);
      const secret = secrets.randomToken(SECRET_BYTES);
      await store.apiKeys.create({ id, secretHash: secrets.hash(secret), name: name === '' ? null : name, createdAt: clock.now() });
      return { id, key: `${id}/${secret}` };
    },
    list: async () => (await store.apiKeys.list()).map((k) => ({ id: k.id, name: k.name })),
    async delete(id) {
      if (!(await store.apiKeys.delete(id))) throw new ChatError('KEY_NOT_FOUND', 'key not found');
    },
    async check(key) {
      const slash = key.indexOf('/');
      if (slash <= 0) return null;
      const stored = await store.apiKeys.find(key.slice(0, slash));
      // Hash first, then compare the fixed-length hashes: the time taken tells nothing about the secret.
      const given = secrets.hash(key.slice(slash + 1));
      return stored && secrets.equal(stored.secretHash, given) ? stored.id : null;
    },
  };
}
