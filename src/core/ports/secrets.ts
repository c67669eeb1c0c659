/**
 * Random secrets and their keyed hashes. Implemented outside the core (auth/node-secrets.ts)
 * with a server-wide key, so every node hashes and derives alike.
 */
export interface Secrets {
  /** `bytes` random bytes as URL-safe base64 without padding. */
  randomToken(bytes: number): string;
  /** A uniformly random integer in [min, max], as a decimal string. */
  randomInt(min: number, max: number): string;
  /** Keyed hash (HMAC-SHA-256, hex) of a token: what the store keeps. */
  hash(token: string): string;
  /**
   * A token derived from `token` for `purpose` (HMAC, URL-safe base64, `bytes` long): the same
   * input gives the same output on every node, which lets an immediately retried refresh get
   * the same new pair without storing plaintext.
   */
  derive(token: string, purpose: string, bytes: number): string;
  /** Constant-time equality of two strings (false when their lengths differ). */
  equal(a: string, b: string): boolean;
}
