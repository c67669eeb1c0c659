import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RateBucket } from '../core/ports/rate-limiter.js';
import type { Hub } from '../hub/hub.js';
import type { BusMeter } from '../bus/bus-meter.js';
import type { CommitObserver } from '../storage/group-commit.js';

/** Every metric name starts with this (Prometheus naming: one namespace per application). */
export const METRIC_PREFIX = 'parley_';

/** Rate-limit buckets, listed so each refusal counter is exported (at 0) before its first refusal. */
const RATE_BUCKETS = ['login', 'register', 'verify', 'reset', 'refresh', 'message'] as const satisfies readonly RateBucket[];

/**
 * One node's metrics, in a registry of its own: several nodes may run in one process (tests),
 * and prom-client's global registry would mix them up or refuse the second node's names.
 * The parts of the node report through the plain callbacks below, so none of them imports
 * prom-client (STYLE.md §2).
 */
export interface ParleyMetrics {
  readonly registry: Registry;
  /** The group commit's observer: batch sizes and the seconds until each batch was durable. */
  readonly onCommit: CommitObserver;
  /** The bus's meter: publishes, arrivals from other nodes and their lag. */
  readonly bus: BusMeter;
  /** A rate limit refused an attempt in `bucket`. */
  rateLimitRefused(bucket: RateBucket): void;
  /** Export the hub's sessions and messages per protocol, read at each scrape. */
  watchHub(hub: Pick<Hub, 'traffic'>): void;
  /** The registry in Prometheus text format. */
  exposition(): Promise<string>;
  /** The Content-Type of exposition()'s text. */
  readonly contentType: string;
}

/**
 * Node's default metrics (event-loop lag, GC, memory, CPU), made once per process and shared by
 * every node's registry: they describe the process, and each collection starts an event-loop
 * monitor and a GC observer that prom-client never stops.
 */
let processMetrics: Registry | null = null;

/** Create a node's registry with Node's default metrics (event-loop lag included) and Parley's own, all prefixed `parley_`. */
export function createMetrics(): ParleyMetrics {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: METRIC_PREFIX });
  }
  const registry = new Registry();
  for (const { name } of processMetrics.getMetricsAsArray()) {
    const metric = processMetrics.getSingleMetric(name);
    if (metric) registry.registerMetric(metric);
  }
  const registers = [registry];

  let hub: Pick<Hub, 'traffic'> | null = null;
  // Hub counts are plain numbers kept by the hub; each scrape copies them here.
  const sockets = new Gauge({
    name: `${METRIC_PREFIX}sockets`, help: 'Live sessions (WebSocket connections and long-polls) per protocol.', labelNames: ['protocol'], registers,
    collect() {
      if (hub) for (const [protocol, t] of hub.traffic()) this.set({ protocol }, t.sessions);
    },
  });
  const fromHub = (name: string, help: string, read: (t: { messagesIn: number; messagesOut: number }) => number) => new Counter({
    name, help, labelNames: ['protocol'], registers,
    collect() {
      if (!hub) return;
      this.reset();
      for (const [protocol, t] of hub.traffic()) this.inc({ protocol }, read(t));
    },
  });
  fromHub(`${METRIC_PREFIX}messages_in_total`, 'Messages accepted from clients (WebSocket frames, long-poll messages) per protocol.', (t) => t.messagesIn);
  fromHub(`${METRIC_PREFIX}messages_out_total`, 'Messages written to sockets and long-polls per protocol.', (t) => t.messagesOut);

  const batchSize = new Histogram({
    name: `${METRIC_PREFIX}group_commit_batch_size`, help: 'Messages per group-committed transaction.', registers,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  });
  const commitSeconds = new Histogram({
    name: `${METRIC_PREFIX}commit_seconds`, help: 'Seconds from the start of a group commit until it was durable.', registers,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const published = new Counter({ name: `${METRIC_PREFIX}bus_published_total`, help: 'Events this node published on the bus.', registers });
  const received = new Counter({ name: `${METRIC_PREFIX}bus_received_total`, help: 'Events received on the bus from other nodes.', registers });
  const lag = new Histogram({
    name: `${METRIC_PREFIX}bus_lag_seconds`, help: 'Seconds from publish on another node to receipt here (clock-skew sensitive).', registers,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const refusals = new Counter({ name: `${METRIC_PREFIX}rate_limit_refusals_total`, help: 'Attempts refused by a rate limit, per bucket.', labelNames: ['bucket'], registers });
  for (const bucket of RATE_BUCKETS) refusals.inc({ bucket }, 0);

  return {
    registry,
    onCommit(size, seconds) {
      batchSize.observe(size);
      commitSeconds.observe(seconds);
    },
    bus: {
      published: () => published.inc(),
      received(lagSeconds) {
        received.inc();
        if (lagSeconds !== null) lag.observe(lagSeconds);
      },
    },
    rateLimitRefused: (bucket) => refusals.inc({ bucket }),
    watchHub(watched) {
      hub = watched;
    },
    exposition: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
