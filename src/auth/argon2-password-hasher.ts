import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../core/ports/password-hasher.js';

/** Algorithm.Argon2id in @node-rs/argon2 (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2;

/**
 * argon2id through @node-rs/argon2, which hashes on libuv's thread pool so the event loop never
 * blocks. Parameters follow OWASP's argon2id minimum (19 MiB, t=2, p=1); tests may lower them.
 */
export function createArgon2PasswordHasher(options: { memoryCost?: number; timeCost?: number } = {}): PasswordHasher {
  const params = { algorithm: ARGON2ID, memoryCost: options.memoryCost ?? 19_456, timeCost: options.timeCost ?? 2, parallelism: 1 };
  return {
    hash: (password) => hash(password, params),
    verify: async (phc, password) => {
      try {
        return await verify(phc, password);
      } catch {
        return false; // a malformed stored hash is a failed login, not a crash
      }
    },
  };
}
