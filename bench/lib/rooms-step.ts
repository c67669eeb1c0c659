/**
 * The many-rooms step (bench/rooms.ts): every room's writer socket, held by the client workers,
 * offers its share of a total rate; each message is delivered to every member of its room. Server
 * CPU, client CPU and other load are read as in the fan-out step (fanout-step.ts).
 */
import { registerAndLogin, roomUrl } from './connor.js';
import { cpuMark, DRAIN_MS, mergeStats, otherLoadPct, type Step } from './fanout-step.js';
import { startServer, startWorkers, type ServerChild, type ServerKind, type WorkerChild } from './harness.js';
import type { SocketSpec } from './ipc.js';

/** A running many-rooms target: the server child and the workers holding every room's sockets. */
export interface RoomsTarget {
  readonly child: ServerChild;
  readonly workers: readonly WorkerChild[];
}

/** Room shape: `rooms` rooms of `members` sockets, the first of each its writer. */
export interface RoomsShape { readonly rooms: number; readonly members: number; readonly workers: number }

/** Run `fn` over `items` with at most `limit` in flight; resolves to the results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * Start `kind` (Parley, or the bare server with rooms) and open every room's sockets in the
 * workers: on Parley each socket is its own registered, logged-in user (`bench-r<k>-<m>`, 8
 * registrations in flight). A room's writer and its other members are dealt to different workers,
 * so both workers write and both read. The caller must run this inside `scoped()`.
 */
export async function startRooms(kind: ServerKind, pin: { server: string | null; clients: string | null }, shape: RoomsShape): Promise<RoomsTarget & { setupMs: number }> {
  const started = Date.now();
  const { child, url } = await startServer(kind, { cpus: pin.server });
  const names = Array.from({ length: shape.rooms * shape.members }, (_, i) => `bench-r${Math.floor(i / shape.members)}-${i % shape.members}`);
  const tokens = kind === 'parley' ? await mapLimited(names, 8, (name) => registerAndLogin(url, name)) : names.map(() => null);
  const workers = startWorkers(shape.workers, { cpus: pin.clients });
  const lists: SocketSpec[][] = workers.map(() => []);
  for (let k = 0; k < shape.rooms; k++) {
    const room = roomUrl(url, `bench-r${k}`);
    for (let m = 0; m < shape.members; m++) {
      lists[(k + m) % workers.length]!.push({ url: room, protocol: tokens[k * shape.members + m] ?? null, writer: m === 0 });
    }
  }
  const replies = await Promise.all(workers.map((w, i) => w.request({ type: 'connect-list', sockets: lists[i]!, concurrency: 16 }, 'connected', 60_000)));
  const failed = replies.find((r) => r.error !== null);
  if (failed) throw new Error(`could not open all sockets: ${failed.error}`);
  return { child, workers, setupMs: Date.now() - started };
}

/** One measured step and how long the writers took to send it (longer than `ms`: the clients lag). */
export interface RoomsStep extends Step { readonly sendMs: number }

/**
 * One step: every writer offers `rate / rooms` messages/s for `ms`; wait (at most DRAIN_MS after
 * the last send) for every member's deliveries; read CPU before and after. Expected deliveries =
 * messages × members (connor also sends a message to its sender).
 */
export async function runRoomsStep({ child, workers }: RoomsTarget, shape: RoomsShape, step: number, rate: number, ms: number): Promise<RoomsStep> {
  const m0 = await cpuMark(child, workers);
  const written = await Promise.all(workers.map((w) => w.request({ type: 'write', step, ratePerSocket: rate / shape.rooms, ms }, 'written', ms + 30_000)));
  const perSocket = written[0]?.sent ?? 0;
  const replies = await Promise.all(workers.map((w) => w.request({ type: 'collect', step, perSocket, timeoutMs: DRAIN_MS }, 'stats', DRAIN_MS + 30_000)));
  const m1 = await cpuMark(child, workers);
  const startUs = Math.min(...written.map((w) => w.startUs));
  const sendMs = (Math.max(...written.map((w) => w.lastUs)) - startUs) / 1000;
  const messages = written.reduce((t, w) => t + w.sent * w.writers, 0);
  const { hist, delivered, last } = mergeStats(replies);
  const elapsedUs = Math.max((perSocket / (rate / shape.rooms)) * 1e6, last - startUs);
  const sustained = (delivered / elapsedUs) * 1e6;
  const offered = rate * shape.members;
  const p99 = hist.percentileMs(99);
  const closed = replies.some((r) => r.closedByServer > 0);
  return {
    rate, offered, sustained, delivered, expected: messages * shape.members, p50: hist.percentileMs(50), p99, sendMs,
    cpuPerDelivery: delivered > 0 ? (m1.server - m0.server) / delivered : NaN,
    serverCpuPct: ((m1.server - m0.server) / elapsedUs) * 100,
    clientCpuPct: ((m1.clients - m0.clients) / elapsedUs) * 100,
    otherCpuPct: otherLoadPct(m0, m1),
    ok: !closed && sustained >= 0.95 * offered && p99 < 1000,
  };
}
