import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger as PinoLogger } from 'pino';
import { createArgon2PasswordHasher } from './auth/argon2-password-hasher.js';
import { createNodeSecrets } from './auth/node-secrets.js';
import { createTokenBucketRateLimiter } from './auth/token-bucket-rate-limiter.js';
import { createOutboxMailer } from './mail/outbox-mailer.js';
import { createSmtpMailer, type ClosableMailer } from './mail/smtp-mailer.js';
import { createLocalBus } from './bus/local-bus.js';
import type { Config } from './config/schema.js';
import { createCore, type Core } from './core/core.js';
import type { Bus } from './core/ports/bus.js';
import { systemClock } from './core/ports/clock.js';
import { HEARTBEAT_INTERVAL_MS } from './core/services/presence-service.js';
import type { PasswordHasher } from './core/ports/password-hasher.js';
import type { Store } from './core/ports/store.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { buildApp } from './http/app.js';
import { createConnorProtocol } from './protocols/connor/index.js';
import { openStore } from './storage/open-store.js';

/** A running node: its parts, its address, and the way to stop it. */
export interface ParleyServer {
  readonly core: Core;
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  readonly logger: PinoLogger;
  /** Base URL of the main listener, e.g. http://127.0.0.1:8080 (the real port when 0 was asked). */
  readonly url: string;
  /** Graceful: stop accepting, close sockets with 1001, drain, close bus and store. Idempotent. */
  close(): Promise<void>;
}

/** Overrides for tests: a quicker hasher, a captured logger. */
export interface ServerOverrides {
  readonly hasher?: PasswordHasher;
  readonly logger?: PinoLogger;
}

/** Open the store and the bus from their config slices (the Redis bus only when configured). */
export async function openInfrastructure(config: Config, logger: PinoLogger): Promise<{ store: Store; bus: Bus }> {
  const onIdleError = (err: unknown) => logger.warn({ err }, 'database connection error');
  const store = await openStore({ databaseUrl: config.database.url, sqliteFile: config.database.sqliteFile, onIdleError });
  try {
    const onError = (err: unknown) => logger.error({ err }, 'bus error');
    const bus = config.redis.url
      ? await (await import('./bus/redis-bus.js')).createRedisBus({ url: config.redis.url, channel: config.redis.channel, onError })
      : createLocalBus({ onError });
    return { store, bus };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * The core over an open store and bus, with the mailer, secrets and rate limits the config
 * names. Without SMTP, mails go to the outbox folder and their codes and links are logged.
 */
export function buildCore(config: Config, parts: { store: Store; bus: Bus; logger: PinoLogger; hasher?: PasswordHasher }): { core: Core; mailer: ClosableMailer } {
  const { logger } = parts;
  const mailer = config.mail.smtpUrl
    ? createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from })
    : createOutboxMailer({
      dir: config.mail.outboxDir,
      from: config.mail.from,
      onMail: (m) => logger.info({ to: m.to, subject: m.subject, file: m.file, codes: m.codes, links: m.links }, `mail to ${m.to} written to the outbox`),
    });
  const core = createCore({
    store: parts.store,
    bus: parts.bus,
    hasher: parts.hasher ?? createArgon2PasswordHasher(),
    clock: systemClock,
    secrets: createNodeSecrets(config.secrets.tokenKey),
    mailer,
    limiter: createTokenBucketRateLimiter(config.rateLimits, systemClock),
  });
  return { core, mailer };
}

/** The composition root: wire store, bus, core, protocols, HTTP and gateway, then listen. */
export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<ParleyServer> {
  const logger = overrides.logger ?? pino({ level: config.log.level });
  const { store, bus } = await openInfrastructure(config, logger);
  const { core, mailer } = buildCore(config, { store, bus, logger, ...(overrides.hasher ? { hasher: overrides.hasher } : {}) });
  const protocols = [createConnorProtocol({ core, logger, jwtSecret: config.secrets.connorJwt })];
  // Beat before the first connection, so no other node sweeps this node's sessions as orphans.
  await core.presence.heartbeat();
  const heartbeat = setInterval(() => void core.presence.heartbeat().catch((err: unknown) => logger.warn({ err }, 'heartbeat failed')), HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();
  const app = await buildApp({ protocols, logger });
  const gateway = createGateway({
    core,
    logger,
    routes: protocols.flatMap((p) => p.sockets ?? []),
    maxBufferedBytes: config.gateway.maxBufferedBytes,
    pingIntervalMs: config.gateway.pingIntervalMs,
  });
  gateway.attach(app.server);
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    clearInterval(heartbeat);
    await gateway.close();
    await bus.close();
    await store.close();
    throw e;
  }
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  return {
    core,
    app,
    gateway,
    logger,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        await gateway.close();
        await app.close();
        await core.presence.disconnectNode().catch((err: unknown) => logger.warn({ err }, 'could not clear this node\'s sessions'));
        await bus.close();
        await store.close();
        await mailer.close();
      })();
      return closing;
    },
  };
}
