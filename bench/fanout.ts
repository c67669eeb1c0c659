/**
 * Fan-out: 1,000 subscribers in one room, one publisher at stepped offered rates, against a bare
 * `ws` broadcast server and against Parley (connor protocol), each in a child process.
 * Usage: npm run bench:fanout   (README.md explains the figures)
 */
import { runStep, withConnorFanout, type Step } from './lib/fanout-step.js';
import { placement, runBench, type ServerKind } from './lib/harness.js';
import { fmt, printTable } from './lib/table.js';

const SUBSCRIBERS = 1000;
const WORKERS = 2;
const STEP_MS = 3000;
const RATES = [10, 25, 50, 75, 100, 125, 150, 200, 250, 300, 400, 500, 650, 800, 1000, 1300, 1600, 2000, 2500, 3200];
const TARGET_DELIVERIES = 50_000;

async function runTarget(kind: ServerKind, pin: ReturnType<typeof placement>): Promise<Step[]> {
  return withConnorFanout(kind, pin, { subscribers: SUBSCRIBERS, workers: WORKERS }, async ({ child, workers, pub }) => {
    const steps: Step[] = [];
    for (const [i, rate] of RATES.entries()) {
      const s = await runStep(child, workers, pub, i + 1, rate, STEP_MS, SUBSCRIBERS);
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
