import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Bus } from '../core/ports/bus.js';
import { ChatError } from '../core/errors.js';
import type { BusMeter } from './bus-meter.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { createLocalDelivery, type BusErrorReporter } from './local-delivery.js';

/** Options for {@link createRedisBus}. */
export interface RedisBusOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** Pub/sub channel; nodes hear each other only on the same channel. Default `parley:events`. */
  readonly channel?: string;
  /** This node's id; must differ between nodes, or they drop each other's events as echoes. */
  readonly nodeId?: string;
  /** Receives handler failures, Redis connection errors and undecodable envelopes. Never fatal. */
  readonly onError?: BusErrorReporter;
  /** `url` as error messages may show it, credentials hidden (config's `redactUrl`). Default: not shown. */
  readonly displayUrl?: string;
  /** How long the first connection attempt may take before start-up fails, in ms. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Counts publishes and arrivals from other nodes, with their lag (for /metrics). */
  readonly meter?: BusMeter;
  /** The clock stamped on envelopes and used for the lag, ms since the epoch. Default Date.now. */
  readonly now?: () => number;
}

/** The Redis bus, plus what readiness asks of it. */
export interface RedisBus extends Bus {
  /** True while both connections (publish and subscribe) are up; false while ioredis reconnects. */
  readonly connected: boolean;
}

/** The default channel shared by every node of one deployment. */
export const DEFAULT_REDIS_CHANNEL = 'parley:events';

/**
 * A bus spanning every node subscribed to one Redis channel. Local handlers get this node's
 * events directly; other nodes get them through PUBLISH, and this node drops its own echo.
 * Resolves once the SUBSCRIBE is confirmed, so no later event from another node is missed;
 * rejects (with both connections closed) when the first attempt to reach Redis fails, with one
 * line naming Redis and the reason ("Redis at redis://host:6379 is unreachable: connect
 * ECONNREFUSED …"). After that, reconnection is ioredis' job and events published while
 * disconnected are lost (at-most-once).
 */
export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  // Loaded on demand so a single-node install never touches ioredis (STYLE.md §8).
  const { Redis } = await import('ioredis');
  const channel = options.channel ?? DEFAULT_REDIS_CHANNEL;
  const nodeId = options.nodeId ?? randomUUID();
  const report = options.onError ?? (() => {});
  const delivery = createLocalDelivery(report);
  const { meter } = options;
  const now = options.now ?? Date.now;

  // Two connections: one in subscriber mode can no longer PUBLISH. ioredis retries forever by
  // default, so start-up would hang on an unreachable Redis: the first attempt is bounded
  // (lazyConnect, a connect timeout, no retry before the first success), later drops are retried.
  let started = false;
  const connection = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: (times: number) => (started ? Math.min(times * 50, 2000) : null),
  };
  const publisher = new Redis(options.url, connection);
  const subscriber = new Redis(options.url, connection);
  // Until start-up is over a connection error is the start-up error (reported once, by the
  // rejection), not a stream of logged errors. Without an 'error' listener ioredis logs to the console.
  let firstError: unknown;
  for (const conn of [publisher, subscriber]) conn.on('error', (e: unknown) => (started ? report(e) : (firstError ??= e)));
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    const decoded = decodeEnvelope(raw);
    if (decoded === null) {
      report(new Error(`Dropped an undecodable bus envelope on channel ${channel}`));
      return;
    }
    if (decoded.nodeId === nodeId) return;
    meter?.received(decoded.sentAt === undefined ? null : Math.max(0, now() - decoded.sentAt) / 1000);
    delivery.deliver(decoded.event);
  });

  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
    started = true;
  } catch (e) {
    await Promise.all([closeConnection(publisher), closeConnection(subscriber)]);
    throw startupError(firstError ?? e, options.displayUrl ?? '(URL not shown)');
  }

  let closing: Promise<void> | undefined;
  return {
    nodeId,
    async publish(event) {
      if (closing !== undefined) throw new ChatError('UNAVAILABLE', 'The bus is closed');
      // Queue locally before PUBLISH: local handlers never wait on Redis and never see an echo.
      delivery.deliver(event);
      // Not awaited: a sender whose message is already committed must not wait on, or fail with,
      // Redis. Cross-node delivery is at-most-once; transport failures are reported, not thrown.
      publisher.publish(channel, encodeEnvelope(nodeId, event, now())).catch(report);
      meter?.published();
    },
    subscribe: (handler) => delivery.subscribe(handler),
    get connected() {
      return closing === undefined && publisher.status === 'ready' && subscriber.status === 'ready';
    },
    close() {
      closing ??= (async () => {
        delivery.close();
        await Promise.all([closeConnection(publisher), closeConnection(subscriber)]);
      })();
      return closing;
    },
  };
}

/** Why start-up failed, in one line naming Redis: "unreachable" for network errors (ECONNREFUSED, ETIMEDOUT, …). */
function startupError(cause: unknown, url: string): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const unreachable = (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /^connect /.test(reason);
  return new Error(unreachable ? `Redis at ${url} is unreachable: ${reason}` : `Redis at ${url}: ${reason}`, { cause });
}

/** QUIT politely when connected; otherwise disconnect, since a queued QUIT could wait forever. */
async function closeConnection(conn: Redis): Promise<void> {
  if (conn.status === 'ready') {
    try {
      await conn.quit();
      return;
    } catch {
      // The connection dropped mid-QUIT; fall through and drop it for good.
    }
  }
  conn.disconnect();
}
