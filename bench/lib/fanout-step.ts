/**
 * The fan-out step shared by the benches (fanout.ts, barertc.ts): one publisher offering a rate,
 * client workers counting deliveries, server CPU read over IPC before and after. A text protocol
 * plugs in only the frame the publisher sends (`PublishFrame`); everything measured is the same.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { registerAndLogin, roomUrl } from './connor.js';
import { connectAll, machineBusyUs, onCleanup, procCpuUs, scoped, serverCpuUs, startServer, startWorkers, type ServerChild, type ServerKind, type WorkerChild } from './harness.js';
import { Histogram } from './histogram.js';
import { nowUs, type StepStats } from './ipc.js';

/** One measured step at one offered rate. */
export interface Step {
  readonly rate: number;
  readonly offered: number;
  readonly sustained: number;
  readonly delivered: number;
  readonly expected: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerDelivery: number;
  readonly serverCpuPct: number;
  readonly clientCpuPct: number;
  /** CPU used by processes other than this bench's, in % of one core: noise from a shared machine. */
  readonly otherCpuPct: number;
  readonly ok: boolean;
}

/** The frame a publisher sends for message `<step>:<sendTimeUs>` (the text the workers parse back). */
export type PublishFrame = (text: string) => string;

/** connor's message frame (reference/connor.md §5). */
export const connorFrame: PublishFrame = (text) => `{"text":"${text}"}`;

/** Longest wait for a step's last deliveries after its last send. */
export const DRAIN_MS = 3000;

/** Send `rate` messages/s for `ms`, each text `<step>:<sendTimeUs>`. */
export async function offer(ws: WebSocket, step: number, rate: number, ms: number, publish: PublishFrame = connorFrame): Promise<{ sent: number; startUs: number; lastUs: number }> {
  const n = Math.round((rate * ms) / 1000);
  const startUs = nowUs();
  let sent = 0;
  let lastUs = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((nowUs() - startUs) * rate) / 1e6) + 1);
    for (; sent < due; sent++) {
      lastUs = nowUs();
      ws.send(publish(`${step}:${lastUs}`));
    }
    const nextDueUs = (sent * 1e6) / rate - (nowUs() - startUs);
    if (sent < n && nextDueUs > 0) await sleep(nextDueUs / 1000);
  }
  return { sent: n, startUs, lastUs };
}

export const selfCpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** CPU readings taken around a measurement: server (IPC), clients (/proc), machine, this process. */
export interface CpuMark { readonly server: number; readonly clients: number; readonly machine: number; readonly self: number; readonly at: number }

export async function cpuMark(server: ServerChild, workers: readonly WorkerChild[]): Promise<CpuMark> {
  const s = await serverCpuUs(server);
  return { server: s, clients: workers.reduce((t, w) => t + procCpuUs(w.proc.pid), 0), machine: machineBusyUs(), self: selfCpuUs(), at: nowUs() };
}

/** CPU used by processes other than the bench's between two marks, in % of one core. */
export const otherLoadPct = (a: CpuMark, b: CpuMark): number =>
  Math.max(0, ((b.machine - a.machine - (b.server - a.server) - (b.clients - a.clients) - (b.self - a.self)) / (b.at - a.at)) * 100);

/** The workers' figures of one step together: latency histogram, deliveries, the last arrival (µs). */
export function mergeStats(replies: readonly { readonly stats: StepStats }[]): { hist: Histogram; delivered: number; last: number } {
  const hist = new Histogram();
  let delivered = 0;
  let last = 0;
  for (const r of replies) {
    hist.add(r.stats.hist);
    delivered += r.stats.count;
    last = Math.max(last, r.stats.lastArrivalUs);
  }
  return { hist, delivered, last };
}

/** One step: offer `rate` for `ms`, collect every worker's deliveries of `step`, read CPU. */
export async function runStep(server: ServerChild, workers: readonly WorkerChild[], pub: WebSocket, step: number, rate: number, ms: number, subscribers: number, publish: PublishFrame = connorFrame): Promise<Step> {
  const m0 = await cpuMark(server, workers);
  const { sent, startUs } = await offer(pub, step, rate, ms, publish);
  const replies = await Promise.all(workers.map((w) => w.request({ type: 'collect', step, perSocket: sent, timeoutMs: DRAIN_MS }, 'stats', DRAIN_MS + 30_000)));
  const m1 = await cpuMark(server, workers);
  const { hist, delivered, last } = mergeStats(replies);
  // A server that keeps up delivers everything within the nominal duration; one that falls behind stretches it.
  const elapsedUs = Math.max((sent / rate) * 1e6, last - startUs);
  const sustained = (delivered / elapsedUs) * 1e6;
  const offered = rate * subscribers;
  const p99 = hist.percentileMs(99);
  const closed = replies.some((r) => r.closedByServer > 0);
  return {
    rate, offered, sustained, delivered, expected: sent * subscribers, p50: hist.percentileMs(50), p99,
    cpuPerDelivery: delivered > 0 ? (m1.server - m0.server) / delivered : NaN,
    serverCpuPct: ((m1.server - m0.server) / elapsedUs) * 100,
    clientCpuPct: ((m1.clients - m0.clients) / elapsedUs) * 100,
    otherCpuPct: otherLoadPct(m0, m1),
    ok: !closed && sustained >= 0.95 * offered && p99 < 1000,
  };
}

/** A running fan-out target: the server child, its subscribers' workers, and the publisher's socket. */
export interface FanoutTarget {
  readonly child: ServerChild;
  readonly workers: readonly WorkerChild[];
  readonly pub: WebSocket;
}

/**
 * Start `kind` (Parley over connor, or the bare ws server), `subscribers` sockets in room `bench`
 * spread over `workers` processes, an authenticated publisher, and a 1 s warm-up at 50 msg/s;
 * run `fn`, then stop all of it.
 */
export async function withConnorFanout<T>(kind: ServerKind, pin: { server: string | null; clients: string | null }, sizes: { subscribers: number; workers: number }, fn: (t: FanoutTarget) => Promise<T>): Promise<T> {
  return scoped(async () => {
    const { child, url } = await startServer(kind, { cpus: pin.server });
    const room = roomUrl(url, 'bench');
    const token = kind === 'parley' ? await registerAndLogin(url, 'publisher') : null;
    const workers = startWorkers(sizes.workers, { cpus: pin.clients });
    await connectAll(workers, room, sizes.subscribers, [null], 60_000);
    const pub = await openSocket(room, token);
    await runStep(child, workers, pub, 0, 50, 1000, sizes.subscribers); // warm-up, not reported
    return fn({ child, workers, pub });
  });
}

/** Open a client socket (closed at cleanup), offering `protocol` when given. */
export async function openSocket(url: string, protocol: string | null = null): Promise<WebSocket> {
  const ws = protocol === null ? new WebSocket(url, { perMessageDeflate: false }) : new WebSocket(url, protocol, { perMessageDeflate: false });
  onCleanup(() => ws.terminate());
  await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return ws;
}
