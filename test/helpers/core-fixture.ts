import { createLocalBus } from '../../src/bus/local-bus.js';
import { createCore, type Core, type CoreDeps } from '../../src/core/core.js';
import type { DomainEvent } from '../../src/core/events.js';
import type { Principal } from '../../src/core/model/principal.js';
import type { Store } from '../../src/core/ports/store.js';
import { openStore } from '../../src/storage/open-store.js';
import { createNodeSecrets } from '../../src/auth/node-secrets.js';
import { createRateLimiter, type RateLimiterOptions } from '../../src/auth/rate-limiter.js';
import { FakeClock } from './fakes/fake-clock.js';
import { RecordingMailer } from './fakes/recording-mailer.js';
import { fastHasher } from './start-node.js';

/** A core on an in-memory SQLite store, the local bus and a fake clock, recording every event. */
export interface CoreFixture {
  readonly core: Core;
  readonly store: Store;
  readonly clock: FakeClock;
  readonly mailer: RecordingMailer;
  readonly events: DomainEvent[];
  /** Register a user and return it as a Principal. */
  user(username: string, extra?: { isOperator?: boolean }): Promise<Principal>;
  /** Resolves once every event published so far has been delivered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `limits`: rate limits to apply (default: none). `fileUploads`: the upload policy (default the
 * core's). `wrapStore`: the store the core sees, built over the real one (to observe or slow calls).
 */
export async function coreFixture(options: { limits?: RateLimiterOptions['limits']; fileUploads?: CoreDeps['fileUploads']; wrapStore?: (store: Store) => Store } = {}): Promise<CoreFixture> {
  const store = await openStore({ databaseUrl: '', sqliteFile: ':memory:' });
  const bus = createLocalBus();
  const clock = new FakeClock();
  const mailer = new RecordingMailer();
  const secrets = createNodeSecrets('test-token-key-test-token-key-test-token-key');
  const limiter = await createRateLimiter({ limits: options.limits ?? null });
  const core = createCore({ store: options.wrapStore?.(store) ?? store, bus, hasher: fastHasher, clock, secrets, mailer, limiter, ...(options.fileUploads ? { fileUploads: options.fileUploads } : {}) });
  const events: DomainEvent[] = [];
  bus.subscribe((e) => events.push(e));
  return {
    core,
    store,
    clock,
    mailer,
    events,
    async user(username, extra = {}) {
      const u = await core.users.register({ username, password: 'pw', ...extra });
      return { id: u.id, username: u.username, displayName: u.displayName };
    },
    settled: () => new Promise((resolve) => setImmediate(resolve)), // bus delivery runs on microtasks
    async close() {
      await bus.close();
      await store.close();
    },
  };
}
