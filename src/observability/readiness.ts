import type { StoreProbe } from '../storage/store-probe.js';

/** One check's outcome: "ok", or a short reason that names no host and carries no credentials. */
export type CheckResult = 'ok' | 'unreachable' | 'pending' | 'unknown' | 'disconnected' | 'in progress';

/** The /readyz body: `ready` with every check "ok", else `not ready`, with each check's result. */
export interface ReadinessReport {
  readonly status: 'ready' | 'not ready';
  readonly checks: Readonly<Record<string, CheckResult>>;
}

/** What readiness watches. */
export interface ReadinessOptions {
  /** The store's database: reachable and migrated. */
  readonly store: StoreProbe;
  /** Whether the Redis bus is connected; absent when no Redis is configured (the check is then left out). */
  readonly redisConnected?: () => boolean;
}

/** A node's readiness: checked on request, and turned off for good once shutdown begins. */
export interface Readiness {
  /** Run every check (the database with a time limit); never rejects. */
  check(): Promise<ReadinessReport>;
  /** Shutdown has begun: from now on the node reports itself not ready. */
  shuttingDown(): void;
}

/** Readiness over the node's store and bus (checks: database, migrations, redis when configured, shutdown). */
export function createReadiness(options: ReadinessOptions): Readiness {
  let closing = false;
  return {
    async check() {
      const store = closing ? null : await options.store.check();
      const checks: Record<string, CheckResult> = {
        database: store === null ? 'unknown' : store.reachable ? 'ok' : 'unreachable',
        migrations: store?.migrated == null ? 'unknown' : store.migrated ? 'ok' : 'pending',
      };
      if (options.redisConnected) checks['redis'] = options.redisConnected() ? 'ok' : 'disconnected';
      // Read last: a shutdown that began while the database answered still counts.
      checks['shutdown'] = closing ? 'in progress' : 'ok';
      const ready = Object.values(checks).every((c) => c === 'ok');
      return { status: ready ? 'ready' : 'not ready', checks };
    },
    shuttingDown() {
      closing = true;
    },
  };
}
