import type { UserId } from './ids.js';

/**
 * The authenticated actor behind a command: who the adapter's session says is speaking.
 * Adapters build it from a verified token; the core trusts it for identity only and checks
 * every right itself.
 */
export interface Principal {
  readonly id: UserId;
  readonly username: string;
  readonly displayName: string;
  /** The account's token generation the credential was issued under (see User.tokenGeneration). */
  readonly generation?: number;
}
