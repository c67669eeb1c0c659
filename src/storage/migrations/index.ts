import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Database } from '../schema.js';
import { initialMigration } from './0001-initial.js';
import { directKeyMigration } from './0003-direct-key.js';
import { filesMigration } from './0004-files.js';
import { clearedHistoryMigration } from './0005-cleared-history.js';
import { forwardsMigration } from './0006-forwards.js';
import { hiddenMessagesMigration } from './0007-hidden-messages.js';
import { avatarsMigration } from './0008-avatars.js';
import { surveysMigration } from './0009-surveys.js';
import { apiKeysMigration } from './0010-api-keys.js';
import { invitesMigration } from './0011-invites.js';
import { accessEventsMigration } from './0012-access-events.js';
import { fileSweepMigration } from './0013-file-sweep.js';
import { sessionStateMigration } from './0015-session-state.js';
import { userSourceMigration } from './0016-user-source.js';
import { cachedBlocklistsMigration } from './0017-cached-blocklists.js';
import { relationTargetsMigration } from './0018-relation-targets.js';
import { linkSpamMigration } from './0019-link-spam.js';
import { tokensMigration } from './0002-tokens.js';

/**
 * Every migration, keyed by name; Kysely applies them in key order. A static map rather than a
 * folder scan, so bundling and the compiled `dist/` need no filesystem layout. Append only:
 * never rename or edit a migration that has shipped.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial': initialMigration,
  '0002-tokens': tokensMigration,
  '0003-direct-key': directKeyMigration,
  '0004-files': filesMigration,
  '0005-cleared-history': clearedHistoryMigration,
  '0006-forwards': forwardsMigration,
  '0007-hidden-messages': hiddenMessagesMigration,
  '0008-avatars': avatarsMigration,
  '0009-surveys': surveysMigration,
  '0010-api-keys': apiKeysMigration,
  '0011-invites': invitesMigration,
  '0012-access-events': accessEventsMigration,
  '0013-file-sweep': fileSweepMigration,
  '0015-session-state': sessionStateMigration,
  '0016-user-source': userSourceMigration,
  '0017-cached-blocklists': cachedBlocklistsMigration,
  '0018-relation-targets': relationTargetsMigration,
  '0019-link-spam': linkSpamMigration,
};

/**
 * Apply every pending migration. Safe to call on every start-up and from several nodes at once
 * (Kysely's Migrator takes a lock). Rejects with "Migration <name> failed: <reason>" when a
 * migration fails, and with the database's own error when none could run (unreachable, corrupt).
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // Before any migration runs the Migrator connects and takes its lock: a failure there is the
    // database's, and wrapping it as "Migration unknown failed" would hide what it says.
    if (failed === undefined) throw error;
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** One migration and whether this database has it (`parley migrate --status`). */
export interface MigrationState {
  /** The key in `migrations`, e.g. `0001-initial`. */
  readonly name: string;
  /** When it was applied (Unix milliseconds), or null while pending. */
  readonly appliedAt: number | null;
}

/** Every known migration in order, applied or pending, without changing anything (no table is created). */
export async function migrationStates(db: Kysely<Database>): Promise<MigrationState[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  return (await migrator.getMigrations()).map((m) => ({ name: m.name, appliedAt: m.executedAt?.getTime() ?? null }));
}
