import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { createArgon2PasswordHasher } from './auth/argon2-password-hasher.js';
import { createNodeSecrets } from './auth/node-secrets.js';
import { createRateLimiter } from './auth/rate-limiter.js';
import { createOutboxMailer } from './mail/outbox-mailer.js';
import { createSmtpMailer, type ClosableMailer } from './mail/smtp-mailer.js';
import { createLocalBus } from './bus/local-bus.js';
import { createLogger } from './logger.js';
import { VERSION } from './version.js';
import { redactUrl } from './config/load.js';
import type { Config } from './config/schema.js';
import { createCore, type Core } from './core/core.js';
import type { Bus } from './core/ports/bus.js';
import { systemClock } from './core/ports/clock.js';
import { HEARTBEAT_INTERVAL_MS } from './core/services/presence-service.js';
import { UNSENT_SWEEP_INTERVAL_MS } from './core/services/file-service.js';
import type { PasswordHasher } from './core/ports/password-hasher.js';
import type { RateLimiter } from './core/ports/rate-limiter.js';
import type { Store } from './core/ports/store.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { attachTransport } from './hub/attach.js';
import { createHub, type Hub } from './hub/hub.js';
import { buildApp, notFoundAnswer } from './http/app.js';
import { createClientAddressResolver } from './http/client-address.js';
import { applyHtmlSecurityHeaders } from './http/security-headers.js';
import { createBarertcProtocol } from './protocols/barertc/index.js';
import { barertcOptions } from './protocols/barertc/options.js';
import { reloadBarertcSettings } from './protocols/barertc/settings.js';
import { createChatcliProtocol } from './protocols/chatcli/index.js';
import { listenerAnswer as chatcliListenerAnswer } from './protocols/chatcli/pages.js';
import { createConnorProtocol } from './protocols/connor/index.js';
import { createInvitesProtocol } from './protocols/invites/index.js';
import { createTrueconfProtocol } from './protocols/trueconf/index.js';
import type { ListenerName } from './protocols/protocol.js';
import { createMetrics, type ParleyMetrics } from './observability/metrics.js';
import { startMetricsListener } from './observability/metrics-listener.js';
import { createReadiness } from './observability/readiness.js';
import { operationsRoutes } from './observability/routes.js';
import { openStoreWithProbe } from './storage/open-store.js';
import type { StoreProbe } from './storage/store-probe.js';

/** A running node: its parts, its address, and the way to stop it. */
export interface ParleyServer {
  readonly core: Core;
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  /** Every live session of this node, whatever its listener and door. */
  readonly hub: Hub;
  readonly logger: PinoLogger;
  /** Base URL of the main listener, e.g. http://127.0.0.1:8080 (the real port when 0 was asked). */
  readonly url: string;
  /** Base URL of ChatCLI's WebSocket listener, e.g. ws://127.0.0.1:8765. */
  readonly chatcliUrl: string;
  /** Base URL of the metrics listener when `metrics.listen` gives it one, else null (/metrics on the main listener). */
  readonly metricsUrl: string | null;
  /** Graceful: stop accepting, close sockets with 1001, drain, then close bus, store and mailer. Idempotent. */
  close(): Promise<void>;
}

/** Overrides for tests: a quicker hasher, a captured logger. */
export interface ServerOverrides {
  readonly hasher?: PasswordHasher;
  readonly logger?: PinoLogger;
  /**
   * BareRTC's /api/shutdown, after its notice went out; default: close this node and exit(1)
   * about 2 s later, so the supervisor restarts it. Tests pass a recorder.
   */
  readonly shutdown?: () => void;
}

/**
 * Open the store and the bus from their config slices (the Redis bus only when configured), with
 * what readiness probes: the store's database, and whether Redis is connected (when configured).
 * With `metrics`, commits and bus traffic are counted.
 */
export async function openInfrastructure(config: Config, logger: PinoLogger, metrics?: ParleyMetrics): Promise<{ store: Store; bus: Bus; probe: StoreProbe; redisConnected?: () => boolean }> {
  const onIdleError = (err: unknown) => logger.warn({ err }, 'database connection error');
  const { store, probe } = await openStoreWithProbe({ databaseUrl: config.database.url, sqliteFile: config.database.sqliteFile, onIdleError, displayUrl: redactUrl(config.database.url), ...(metrics ? { onCommit: metrics.onCommit } : {}) });
  try {
    const onError = (err: unknown) => logger.error({ err }, 'bus error');
    const meter = metrics ? { meter: metrics.bus } : {};
    if (config.redis.url) {
      const bus = await (await import('./bus/redis-bus.js')).createRedisBus({ url: config.redis.url, channel: config.redis.channel, onError, displayUrl: redactUrl(config.redis.url), ...meter });
      return { store, bus, probe, redisConnected: () => bus.connected };
    }
    return { store, bus: createLocalBus({ onError, ...meter }), probe };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * The core over an open store and bus, with the mailer, secrets and rate limits the config
 * names. Without SMTP, mails go to the outbox folder and their codes and links are logged.
 */
export function buildCore(config: Config, parts: { store: Store; bus: Bus; logger: PinoLogger; hasher?: PasswordHasher; limiter?: RateLimiter }): { core: Core; mailer: ClosableMailer } {
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
    // The command line (no limiter given) acts as the operator: nothing it does is rate limited.
    limiter: parts.limiter ?? UNLIMITED,
    fileLimits: { maxSize: config.files.maxSize, extensions: null },
    fileUploads: { maxConcurrent: config.files.maxConcurrentUploads, maxQueued: 16 * config.files.maxConcurrentUploads, unsentRetentionMs: config.files.unsentRetentionHours * 3_600_000 },
    registration: config.server.registration,
    // fail2ban-ready: one warn line per refused password login, with the client's address.
    onLoginFailed: ({ username, address, reason }) => logger.warn({ event: 'login_failed', username, address, reason }, `failed login for ${JSON.stringify(username)} from ${address ?? 'an unknown address'} (${reason})`),
  });
  return { core, mailer };
}

const UNLIMITED: RateLimiter = { take: async () => ({ allowed: true, retryAfterSeconds: 0 }) };

/** The composition root: wire store, bus, core, protocols, HTTP and gateways, then listen. */
export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<ParleyServer> {
  const logger = overrides.logger ?? createLogger(config.log);
  const metrics = createMetrics();
  const { store, bus, probe, redisConnected } = await openInfrastructure(config, logger, metrics);
  const readiness = createReadiness({ store: probe, ...(redisConnected ? { redisConnected } : {}) });
  // With Redis, every node counts in the same limits.
  const limiter = await createRateLimiter({
    limits: config.rateLimits,
    redisUrl: config.redis.url,
    keyPrefix: config.redis.channel,
    onRefused: metrics.rateLimitRefused,
    onError: (err) => logger.warn({ err }, 'rate limiter: Redis unavailable, counting in this process'),
  }).catch(async (e: unknown) => {
    await Promise.allSettled([store.close(), bus.close()]);
    throw e;
  });
  const { core, mailer } = buildCore(config, { store, bus, logger, limiter, ...(overrides.hasher ? { hasher: overrides.hasher } : {}) });
  const cleanup: (() => Promise<void>)[] = [() => mailer.close(), () => store.close(), () => bus.close(), () => limiter.close()];
  const runCleanup = async () => {
    for (const step of cleanup.reverse().splice(0)) await step().catch((err: unknown) => logger.warn({ err }, 'shutdown step failed'));
  };
  try {
    // Beat before the first connection, so no other node sweeps this node's sessions as orphans.
    await core.presence.heartbeat();
    const heartbeat = setInterval(() => void core.presence.heartbeat().catch((err: unknown) => logger.warn({ err }, 'heartbeat failed')), HEARTBEAT_INTERVAL_MS);
    heartbeat.unref();
    cleanup.push(async () => clearInterval(heartbeat), () => core.presence.disconnectNode());
    // Issue 8: every node deletes uploads never sent; the sweep is a conditional DELETE, so nodes may overlap.
    const unsentSweep = setInterval(() => void core.files.sweepUnsent().catch((err: unknown) => logger.warn({ err }, 'unsent-upload sweep failed')), UNSENT_SWEEP_INTERVAL_MS);
    unsentSweep.unref();
    cleanup.push(async () => clearInterval(unsentSweep));

    let exitSoon = (): void => undefined;
    // One hub for both listeners: every session of this node, whatever its door.
    const hub = createHub({ logger, maxBufferedBytes: config.gateway.maxBufferedBytes, authTimeoutMs: config.gateway.authTimeoutMs, relationsOf: (userId) => core.moderation.involving(userId) });
    metrics.watchHub(hub);
    let publicUrl = config.server.publicUrl;
    let chatcliUrl = '';
    const protocols = [
      createConnorProtocol({ core, logger, jwtSecret: config.secrets.connorJwt }),
      createChatcliProtocol({ core, logger, publicUrl: () => publicUrl }),
      createInvitesProtocol({ core, logger, publicUrl: () => publicUrl, domain: config.server.domain }),
      createTrueconfProtocol({
        core,
        logger,
        jwtSecret: config.secrets.trueconfJwt,
        tokenTtlSeconds: config.trueconf.tokenTtlSeconds,
        domain: config.server.domain,
        unreadCap: config.trueconf.unreadCap,
        pingIntervalMs: config.trueconf.pingIntervalMs,
        pongTimeoutMs: config.trueconf.pongTimeoutMs,
        publicUrl: () => publicUrl,
        uploadSpoolDir: `${config.server.dataDir}/upload-spool`,
      }),
      createBarertcProtocol({ core, logger, attach: attachTransport(hub, logger), options: barertcOptions(config.barertc), chatcliUrl: () => chatcliUrl,
        // `/reconfigure`: this node's own settings file, read again, under the same PARLEY_BARERTC_* variables.
        reloadSettings: () => reloadBarertcSettings(config.configPath, config.adminApiKey, config.barertcFromEnv),
        admin: { adminApiKey: config.adminApiKey, equal: createNodeSecrets(config.secrets.tokenKey).equal, shutdown: overrides.shutdown ?? (() => exitSoon()) } }),
    ];
    const clientAddress = createClientAddressResolver(config.server.trustedProxies);
    const app = await buildApp({ protocols, logger, clientAddress, accessLog: config.log.access });
    // /healthz, /readyz, and /metrics unless `metrics.listen` gives them a listener of their own.
    await app.register(operationsRoutes({ readiness, metrics: config.metrics.listen ? null : { metrics, token: config.metrics.token } }));
    const listeners = protocols.flatMap((p) => (p.onEvent ? [p.onEvent] : []));
    const unsubscribe = core.events.subscribe((event) => {
      hub.deliver(event);
      for (const listen of listeners) listen(event);
    });
    cleanup.push(async () => {
      for (const p of protocols) p.stop?.();
    });
    const stopPoll = pollAccessEvents(core, hub, config.gateway.accessPollMs, logger);
    cleanup.push(async () => {
      stopPoll();
      unsubscribe();
      hub.stop();
    });
    const gatewayFor = (listener: ListenerName) => createGateway({
      hub,
      logger,
      routes: protocols.flatMap((p) => p.sockets ?? []).filter((r) => (r.listener ?? 'main') === listener),
      pingIntervalMs: config.gateway.pingIntervalMs,
      clientAddress,
      // The protocols' HTTP not-found answers belong to the main listener's paths.
      ...(listener === 'main' ? { notFound: (method: string, pathname: string) => notFoundAnswer(protocols, method, pathname) } : {}),
    });
    const gateway = gatewayFor('main');
    gateway.attach(app.server);
    cleanup.push(() => app.close(), () => gateway.close());
    await app.listen({ host: config.server.host, port: config.server.port });
    const url = urlOf(app.server, 'http');
    if (publicUrl === '') publicUrl = url;

    // ChatCLI's WebSocket lives on its own listener, as in the original (DESIGN.md "Gateway").
    // Its `/` is ChatCLI's welcome page (the main listener's `/` belongs to BareRTC).
    const chatcliServer = createHttpServer((req, res) => {
      const answer = chatcliListenerAnswer(req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/');
      applyHtmlSecurityHeaders(req, res, answer.contentType);
      res.writeHead(answer.status, { 'content-type': answer.contentType }).end(req.method === 'HEAD' ? undefined : answer.body);
    });
    const chatcliGateway = gatewayFor('chatcli');
    chatcliGateway.attach(chatcliServer);
    cleanup.push(() => new Promise<void>((resolve) => chatcliServer.close(() => resolve())), () => chatcliGateway.close());
    await new Promise<void>((resolve, reject) => {
      chatcliServer.once('error', reject);
      chatcliServer.listen(config.chatcli.port, config.chatcli.host, () => resolve());
    });
    chatcliUrl = urlOf(chatcliServer, 'ws');

    let metricsUrl: string | null = null;
    if (config.metrics.listen) {
      const metricsListener = await startMetricsListener({ ...config.metrics.listen, metrics, token: config.metrics.token, logger });
      cleanup.push(() => metricsListener.close());
      metricsUrl = metricsListener.url;
    }

    let closing: Promise<void> | undefined;
    // Not ready from the first moment of a shutdown, while sockets are still being closed, so
    // orchestrators stop routing new clients here before the listeners go away.
    const beginClose = () => {
      readiness.shuttingDown();
      return runCleanup();
    };
    // BareRTC exits about 2 s after /api/shutdown even when stuck; a supervisor restarts it.
    // A graceful close first; a cleanup that hangs does not keep the node up past 5 s more.
    exitSoon = () => void setTimeout(() => {
      setTimeout(() => process.exit(1), 5000).unref();
      void (closing ??= beginClose()).finally(() => process.exit(1));
    }, 2000);
    logStartup(logger, config, { url, chatcliUrl, metricsUrl });
    return {
      core,
      app,
      gateway,
      hub,
      logger,
      url,
      chatcliUrl,
      metricsUrl,
      close: () => (closing ??= beginClose()),
    };
  } catch (e) {
    await runCleanup();
    throw e;
  }
}

/** The start-up banner: what runs, with what, where (no secrets: URLs without their credentials). */
function logStartup(logger: PinoLogger, config: Config, listeners: { url: string; chatcliUrl: string; metricsUrl: string | null }): void {
  const database = config.database.url ? `PostgreSQL ${redactUrl(config.database.url)}` : `SQLite ${config.database.sqliteFile}`;
  const bus = config.redis.url ? `Redis ${redactUrl(config.redis.url)} (${config.redis.channel})` : 'in-process (single node)';
  const metrics = listeners.metricsUrl ? `${listeners.metricsUrl}/metrics` : `${listeners.url}/metrics`;
  const proxies = config.server.trustedProxies.length > 0 ? config.server.trustedProxies.join(', ') : 'none';
  logger.info(
    { version: VERSION, config: config.configPath, database, bus, listeners: { main: listeners.url, chatcli: listeners.chatcliUrl, metrics }, trustedProxies: config.server.trustedProxies },
    `Parley ${VERSION} ready — config ${config.configPath}; database ${database}; bus ${bus}; main ${listeners.url}, ChatCLI ${listeners.chatcliUrl}, metrics ${metrics}; trusted proxies: ${proxies}`,
  );
}

/**
 * Read the database feed of account and ban changes on a timer and hand new ones to the hub:
 * it carries changes the bus cannot (a CLI command on SQLite). Returns the function that stops it.
 */
function pollAccessEvents(core: Core, hub: Hub, intervalMs: number, logger: PinoLogger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    core.accessEvents.poll()
      .then((events) => { for (const event of events) hub.deliver(event); })
      .catch((err: unknown) => logger.warn({ err }, 'access-event poll failed'))
      .finally(() => { running = false; });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** scheme://host:port of a listening server (the real port when 0 was asked). */
function urlOf(server: import('node:http').Server, scheme: 'http' | 'ws'): string {
  const { address, port } = server.address() as AddressInfo;
  return `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
