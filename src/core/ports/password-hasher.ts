/** Password hashing port; nothing outside its implementation knows the algorithm. */
export interface PasswordHasher {
  /** Hash off the event loop; resolves to a self-describing string (PHC format). */
  hash(password: string): Promise<string>;
  /** Constant-time verification; resolves false for a malformed hash rather than rejecting. */
  verify(hash: string, password: string): Promise<boolean>;
}
