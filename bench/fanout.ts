/**
 * Fan-out: 1,000 subscribers in one room, one publisher at stepped offered rates, against a bare
 * `ws` broadcast server and against Parley (connor protocol), each in a child process.
 * Usage: npm run bench:fanout   (README.md explains the figures)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { registerAndLogin, roomUrl } from './lib/connor.js';
import { connectAll, machineBusyUs, onCleanup, placement, procCpuUs, runBench, scoped, serverCpuUs, startServer, startWorkers, type ServerChild, type ServerKind, type WorkerChild } from './lib/harness.js';
import { Histogram } from './lib/histogram.js';
import { nowUs } from './lib/ipc.js';
import { fmt, printTable } from './lib/table.js';

const SUBSCRIBERS = 1000;
const WORKERS = 2;
const STEP_MS = 3000;
/** Longest wait for a step's last deliveries after its last send. */
const DRAIN_MS = 3000;
const RATES = [10, 25, 50, 75, 100, 125, 150, 200, 250, 300, 400, 500, 650, 800, 1000, 1300, 1600, 2000, 2500, 3200];
const TARGET_DELIVERIES = 50_000;

interface Step {
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

/** Send `rate` messages/s for STEP_MS, each text `<step>:<sendTimeUs>`. */
async function offer(ws: WebSocket, step: number, rate: number, ms: number): Promise<{ sent: number; startUs: number }> {
  const n = Math.round((rate * ms) / 1000);
  const startUs = nowUs();
  let sent = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((nowUs() - startUs) * rate) / 1e6) + 1);
    for (; sent < due; sent++) ws.send(`{"text":"${step}:${nowUs()}"}`);
    const nextDueUs = (sent * 1e6) / rate - (nowUs() - startUs);
    if (sent < n && nextDueUs > 0) await sleep(nextDueUs / 1000);
  }
  return { sent: n, startUs };
}

async function runStep(server: ServerChild, workers: readonly WorkerChild[], pub: WebSocket, step: number, rate: number, ms: number): Promise<Step> {
  const cpu0 = await serverCpuUs(server);
  const clients0 = workers.reduce((t, w) => t + procCpuUs(w.proc.pid), 0);
  const [machine0, self0, t0] = [machineBusyUs(), selfCpuUs(), nowUs()];
  const { sent, startUs } = await offer(pub, step, rate, ms);
  const replies = await Promise.all(workers.map((w) => w.request({ type: 'collect', step, perSocket: sent, timeoutMs: DRAIN_MS }, 'stats', DRAIN_MS + 30_000)));
  const cpu1 = await serverCpuUs(server);
  const clients1 = workers.reduce((t, w) => t + procCpuUs(w.proc.pid), 0);
  const [machine1, self1, t1] = [machineBusyUs(), selfCpuUs(), nowUs()];
  const hist = new Histogram();
  let delivered = 0;
  let last = 0;
  for (const r of replies) {
    hist.add(r.stats.hist);
    delivered += r.stats.count;
    last = Math.max(last, r.stats.lastArrivalUs);
  }
  // A server that keeps up delivers everything within the nominal duration; one that falls behind stretches it.
  const elapsedUs = Math.max((sent / rate) * 1e6, last - startUs);
  const sustained = (delivered / elapsedUs) * 1e6;
  const offered = rate * SUBSCRIBERS;
  const p99 = hist.percentileMs(99);
  const closed = replies.some((r) => r.closedByServer > 0);
  return {
    rate, offered, sustained, delivered, expected: sent * SUBSCRIBERS, p50: hist.percentileMs(50), p99,
    cpuPerDelivery: delivered > 0 ? (cpu1 - cpu0) / delivered : NaN,
    serverCpuPct: ((cpu1 - cpu0) / elapsedUs) * 100,
    clientCpuPct: ((clients1 - clients0) / elapsedUs) * 100,
    otherCpuPct: Math.max(0, ((machine1 - machine0 - (cpu1 - cpu0) - (clients1 - clients0) - (self1 - self0)) / (t1 - t0)) * 100),
    ok: !closed && sustained >= 0.95 * offered && p99 < 1000,
  };
}

async function runTarget(kind: ServerKind, pin: ReturnType<typeof placement>): Promise<Step[]> {
  return scoped(async () => {
    const { child, url } = await startServer(kind, { cpus: pin.server });
    const room = roomUrl(url, 'bench');
    const token = kind === 'parley' ? await registerAndLogin(url, 'publisher') : null;
    const workers = startWorkers(WORKERS, { cpus: pin.clients });
    await connectAll(workers, room, SUBSCRIBERS, [null], 60_000);
    const pub = token === null ? new WebSocket(room, { perMessageDeflate: false }) : new WebSocket(room, token, { perMessageDeflate: false });
    onCleanup(() => pub.terminate());
    await new Promise<void>((resolve, reject) => { pub.once('open', resolve); pub.once('error', reject); });
    await runStep(child, workers, pub, 0, 50, 1000); // warm-up, not reported
    const steps: Step[] = [];
    for (const [i, rate] of RATES.entries()) {
      const s = await runStep(child, workers, pub, i + 1, rate, STEP_MS);
      steps.push(s);
      console.log(`  ${kind}: ${rate} msg/s → ${fmt(s.sustained)} deliveries/s, p99 ${fmt(s.p99, 1)} ms${s.ok ? '' : ' (falls behind)'}`);
      if (!s.ok) break;
    }
    return steps;
  });
}

function printSteps(kind: string, steps: readonly Step[]): void {
  printTable(`${kind}: ${SUBSCRIBERS} subscribers, 1 publisher, ${STEP_MS / 1000} s per step`,
    ['offered msg/s', 'offered deliv/s', 'sustained deliv/s', 'delivered/expected', 'p50 ms', 'p99 ms', 'server CPU µs/deliv', 'server CPU', 'clients CPU', 'other load', 'kept up'],
    steps.map((s) => [s.rate, fmt(s.offered), fmt(s.sustained), `${fmt(s.delivered)}/${fmt(s.expected)}`, fmt(s.p50, 2), fmt(s.p99, 2), fmt(s.cpuPerDelivery, 2), `${fmt(s.serverCpuPct)} %`, `${fmt(s.clientCpuPct)} %`, `${fmt(s.otherCpuPct)} %`, s.ok ? 'yes' : 'NO']));
}

const selfCpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

const best = (steps: readonly Step[]): Step | undefined => steps.filter((s) => s.ok).at(-1);
const near = (steps: readonly Step[], deliveries: number): Step | undefined =>
  [...steps].sort((a, b) => Math.abs(a.sustained - deliveries) - Math.abs(b.sustained - deliveries))[0];

await runBench('bench:fanout', 175_000, async () => {
  const pin = placement();
  console.log(`fan-out bench: ${SUBSCRIBERS} subscribers in ${WORKERS} worker processes; server pinned to CPU ${pin.server ?? '(none)'}, clients to CPU ${pin.clients ?? '(none)'}`);
  const bare = await runTarget('bare', pin);
  const parley = await runTarget('parley', pin);
  printSteps('bare ws broadcast server', bare);
  printSteps('Parley (connor protocol, SQLite)', parley);

  const [b, p] = [best(bare), best(parley)];
  const common = [...parley].reverse().find((s) => s.ok && bare.some((x) => x.ok && x.rate === s.rate));
  const commonBare = bare.find((x) => x.rate === common?.rate);
  const [b50, p50] = [near(bare, TARGET_DELIVERIES), near(parley, TARGET_DELIVERIES)];
  const ratio = (x?: number, y?: number) => (x !== undefined && y !== undefined ? `${fmt(x / y, 2)}×` : 'n/a');
  printTable('Summary (Parley ÷ bare ws)', ['metric', 'bare ws', 'Parley', 'ratio', 'target', 'met'], [
    ['best sustained step, msg/s', b?.rate ?? 'none', p?.rate ?? 'none', '', '', ''],
    ['sustained deliveries/s', fmt(b?.sustained ?? 0), fmt(p?.sustained ?? 0), ratio(p?.sustained, b?.sustained), '≥ 0.50×', p && b && p.sustained >= 0.5 * b.sustained ? 'yes' : 'NO'],
    ['p50 / p99 ms at best step', `${fmt(b?.p50 ?? NaN, 1)} / ${fmt(b?.p99 ?? NaN, 1)}`, `${fmt(p?.p50 ?? NaN, 1)} / ${fmt(p?.p99 ?? NaN, 1)}`, '', '', ''],
    ['server CPU µs/delivery at best step', fmt(b?.cpuPerDelivery ?? NaN, 2), fmt(p?.cpuPerDelivery ?? NaN, 2), ratio(p?.cpuPerDelivery, b?.cpuPerDelivery), '', ''],
    [`server CPU µs/delivery at ${common?.rate ?? '?'} msg/s (both)`, fmt(commonBare?.cpuPerDelivery ?? NaN, 2), fmt(common?.cpuPerDelivery ?? NaN, 2), ratio(common?.cpuPerDelivery, commonBare?.cpuPerDelivery), '', ''],
    [`p99 ms near ${fmt(TARGET_DELIVERIES)} deliv/s (${b50?.rate}/${p50?.rate} msg/s)`, fmt(b50?.p99 ?? NaN, 2), fmt(p50?.p99 ?? NaN, 2), '', '< 50 ms (Parley)', p50 && p50.p99 < 50 ? 'yes' : 'NO'],
  ]);
});
