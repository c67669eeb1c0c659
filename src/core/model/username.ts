/**
 * The identity key of a username: NFKC-normalised, then lower-cased. Every spelling with the same
 * key names the same account: case (`ALICE`), full-width letters (`ａｌｉｃｅ`), composed and
 * decomposed accents, compatibility forms (`ﬁ`). The store keeps this key in a unique column and
 * finds accounts by it; the abuse limits count attempts per key, so a look-alike spelling cannot
 * buy a fresh budget against the same account (issue 8, defect 4).
 *
 * Changing this function changes every stored key: it needs a migration that recomputes
 * `users.username_key`, or existing accounts become unreachable under their new key.
 */
export function toUsernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}
