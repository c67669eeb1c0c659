import { createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Secrets } from '../core/ports/secrets.js';

/**
 * Secrets over node:crypto with one server-wide key (settings `secrets.token_key`), so every
 * node computes the same hashes and derivations.
 */
export function createNodeSecrets(key: string): Secrets {
  if (key.length < 32) throw new Error('token key must be at least 32 characters');
  const keyBytes = Buffer.from(key, 'utf8');
  return {
    randomToken: (bytes) => randomBytes(bytes).toString('base64url'),
    randomInt: (min, max) => String(randomInt(min, max + 1)),
    hash: (token) => createHmac('sha256', keyBytes).update(token, 'utf8').digest('hex'),
    derive: (token, purpose, bytes) => Buffer.from(hkdfSync('sha256', keyBytes, Buffer.from(token, 'utf8'), purpose, bytes)).toString('base64url'),
    equal(a, b) {
      const x = Buffer.from(a, 'utf8');
      const y = Buffer.from(b, 'utf8');
      return x.length === y.length && timingSafeEqual(x, y);
    },
  };
}
