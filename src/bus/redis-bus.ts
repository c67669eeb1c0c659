import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Bus } from '../core/ports/bus.js';
import { ChatError } from '../core/errors.js';
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
}

/** The default channel shared by every node of one deployment. */
export const DEFAULT_REDIS_CHANNEL = 'parley:events';

/**
 * A bus spanning every node subscribed to one Redis channel. Local handlers get this node's
 * events directly; other nodes get them through PUBLISH, and this node drops its own echo.
 * Resolves once the SUBSCRIBE is confirmed, so no later event from another node is missed;
 * rejects (with both connections closed) when Redis cannot be reached at startup. After that,
 * reconnection is ioredis' job and events published while disconnected are lost (at-most-once).
 */
export async function createRedisBus(options: RedisBusOptions): Promise<Bus> {
  // Loaded on demand so a single-node install never touches ioredis (STYLE.md §8).
  const { Redis } = await import('ioredis');
  const channel = options.channel ?? DEFAULT_REDIS_CHANNEL;
  const nodeId = options.nodeId ?? randomUUID();
  const report = options.onError ?? (() => {});
  const delivery = createLocalDelivery(report);

  // Two connections: one in subscriber mode can no longer PUBLISH. lazyConnect so that connect()
  // rejects on a first failure instead of retrying forever behind a pending startup.
  const publisher = new Redis(options.url, { lazyConnect: true });
  const subscriber = new Redis(options.url, { lazyConnect: true });
  for (const conn of [publisher, subscriber]) {
    // Without an 'error' listener ioredis logs to the console; errors here are never fatal.
    conn.on('error', report);
  }
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    const decoded = decodeEnvelope(raw);
    if (decoded === null) {
      report(new Error(`Dropped an undecodable bus envelope on channel ${channel}`));
      return;
    }
    if (decoded.nodeId !== nodeId) delivery.deliver(decoded.event);
  });

  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
  } catch (e) {
    await Promise.all([closeConnection(publisher), closeConnection(subscriber)]);
    throw e;
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
      publisher.publish(channel, encodeEnvelope(nodeId, event)).catch(report);
    },
    subscribe: (handler) => delivery.subscribe(handler),
    close() {
      closing ??= (async () => {
        delivery.close();
        await Promise.all([closeConnection(publisher), closeConnection(subscriber)]);
      })();
      return closing;
    },
  };
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
