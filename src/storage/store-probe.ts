import { sql, type Kysely } from 'kysely';
import { migrationStates } from './migrations/index.js';
import type { Database } from './schema.js';

/** What readiness learns from the database: whether it answers, and whether this build's migrations are all applied. */
export interface StoreHealth {
  /** The database answered a trivial query in time. */
  readonly reachable: boolean;
  /** Every migration this build knows is applied; null when it could not be read (database unreachable). */
  readonly migrated: boolean | null;
}

/** Checks the store's database for /readyz; never rejects. */
export interface StoreProbe {
  check(): Promise<StoreHealth>;
}

/** How long a probe waits for the database before calling it unreachable, in ms. */
export const PROBE_TIMEOUT_MS = 2000;

/**
 * A probe over the store's own connection pool (the pool the store uses is what must work). Once
 * every migration has been seen applied the migration table is not read again: this build's
 * migrations never become pending later.
 */
export function createStoreProbe(db: Kysely<Database>, timeoutMs = PROBE_TIMEOUT_MS): StoreProbe {
  let migrated = false;
  const probe = async (): Promise<StoreHealth> => {
    await sql`select 1`.execute(db);
    if (!migrated) migrated = (await migrationStates(db)).every((m) => m.appliedAt !== null);
    return { reachable: true, migrated };
  };
  return {
    async check() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      try {
        return (await Promise.race([probe(), timeout])) ?? { reachable: false, migrated: null };
      } catch {
        // The reason (which may name the host) stays out of the answer; the store's own errors are logged where they happen.
        return { reachable: false, migrated: null };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
