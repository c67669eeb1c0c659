import { describe, expect, it } from 'vitest';
import type { ProtocolName } from '../protocols/protocol.js';
import { parseExposition } from '../../test/helpers/prometheus-text.js';
import { createMetrics } from './metrics.js';

const traffic = (entries: [ProtocolName, { sessions: number; messagesIn: number; messagesOut: number }][]) => ({ traffic: () => new Map(entries) });

describe('metrics registry', () => {
  it('exports only parley_-prefixed names, including Node defaults such as event-loop lag', async () => {
    const text = await createMetrics().exposition();
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => !n.startsWith('parley_'))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining([
      'parley_nodejs_eventloop_lag_seconds', 'parley_process_cpu_seconds_total', 'parley_sockets', 'parley_messages_in_total', 'parley_messages_out_total',
      'parley_group_commit_batch_size', 'parley_commit_seconds', 'parley_bus_published_total', 'parley_bus_received_total', 'parley_bus_lag_seconds',
      'parley_rate_limit_refusals_total',
    ]));
    expect(() => parseExposition(text)).not.toThrow();
  });

  it('keeps each node in its own registry, so two nodes in one process neither collide nor mix', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.bus.published();
    a.bus.published();
    b.bus.published();
    expect(parseExposition(await a.exposition()).get('parley_bus_published_total')).toBe(2);
    expect(parseExposition(await b.exposition()).get('parley_bus_published_total')).toBe(1);
  });

  it('reads sockets and messages per protocol from the hub at each scrape', async () => {
    const metrics = createMetrics();
    const counts = { sessions: 2, messagesIn: 5, messagesOut: 9 };
    metrics.watchHub(traffic([['connor', counts]]));
    let samples = parseExposition(await metrics.exposition());
    expect(samples.get('parley_sockets{protocol="connor"}')).toBe(2);
    expect(samples.get('parley_messages_in_total{protocol="connor"}')).toBe(5);
    expect(samples.get('parley_messages_out_total{protocol="connor"}')).toBe(9);
    Object.assign(counts, { sessions: 1, messagesIn: 6, messagesOut: 12 });
    samples = parseExposition(await metrics.exposition());
    expect(samples.get('parley_sockets{protocol="connor"}')).toBe(1);
    expect(samples.get('parley_messages_in_total{protocol="connor"}')).toBe(6);
    expect(samples.get('parley_messages_out_total{protocol="connor"}')).toBe(12);
  });

  it('records commit batches, bus arrivals with their lag, and rate-limit refusals per bucket', async () => {
    const metrics = createMetrics();
    metrics.onCommit(3, 0.004);
    metrics.onCommit(1, 0.002);
    metrics.bus.received(0.003);
    metrics.bus.received(null); // an older node's envelope: counted, no lag
    metrics.rateLimitRefused('login');
    const samples = parseExposition(await metrics.exposition());
    expect(samples.get('parley_group_commit_batch_size_count')).toBe(2);
    expect(samples.get('parley_group_commit_batch_size_sum')).toBe(4);
    expect(samples.get('parley_commit_seconds_count')).toBe(2);
    expect(samples.get('parley_bus_received_total')).toBe(2);
    expect(samples.get('parley_bus_lag_seconds_count')).toBe(1);
    expect(samples.get('parley_rate_limit_refusals_total{bucket="login"}')).toBe(1);
    expect(samples.get('parley_rate_limit_refusals_total{bucket="message"}')).toBe(0);
  });
});
