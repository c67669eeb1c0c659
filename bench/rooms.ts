/**
 * Many rooms, many writers (issue 13): 200 rooms of 2 authenticated connor sockets, each room's
 * first socket writing at stepped total offered rates, every message stored; Parley (SQLite)
 * beside a bare `ws` server that routes by URL path, each in a child process, in the same run.
 * Usage: npm run bench:rooms   (README.md explains the figures)
 */
import { placement, runBench, scoped, type ServerKind } from './lib/harness.js';
import { runRoomsStep, startRooms, type RoomsShape, type RoomsStep } from './lib/rooms-step.js';
import { fmt, printTable } from './lib/table.js';

const SHAPE: RoomsShape = { rooms: 200, members: 2, workers: 2 };
const STEP_MS = 3000;
const WARMUP_MS = 1000;
/** Total offered messages/s across all rooms (each writer offers rate ÷ rooms). */
const RATES = [1000, 2000, 4000, 8000, 16_000, 32_000];

async function runTarget(kind: ServerKind, pin: ReturnType<typeof placement>): Promise<RoomsStep[]> {
  return scoped(async () => {
    const target = await startRooms(kind, pin, SHAPE);
    console.log(`  ${kind}: ${SHAPE.rooms * SHAPE.members} sockets ready in ${fmt(target.setupMs / 1000, 1)} s`);
    await runRoomsStep(target, SHAPE, 0, RATES[0]!, WARMUP_MS); // warm-up, not reported
    const steps: RoomsStep[] = [];
    for (const [i, rate] of RATES.entries()) {
      const s = await runRoomsStep(target, SHAPE, i + 1, rate, STEP_MS);
      steps.push(s);
      console.log(`  ${kind}: ${fmt(rate)} msg/s → ${fmt(s.sustained)} deliveries/s, p99 ${fmt(s.p99, 1)} ms${s.ok ? '' : ' (falls behind)'}`);
      if (!s.ok) break;
    }
    return steps;
  });
}

const best = (steps: readonly RoomsStep[]): RoomsStep | undefined => steps.filter((s) => s.ok).at(-1);
const ratio = (x?: number, y?: number): string => (x !== undefined && y !== undefined ? `${fmt(x / y, 2)}×` : 'n/a');

await runBench('bench:rooms', 175_000, async () => {
  const pin = placement();
  console.log(`rooms bench: ${SHAPE.rooms} rooms × ${SHAPE.members} sockets, 1 writer each, ${SHAPE.workers} worker processes; server pinned to CPU ${pin.server ?? '(none)'}, clients to CPU ${pin.clients ?? '(none)'}`);
  const bare = await runTarget('bare-rooms', pin);
  const parley = await runTarget('parley', pin);
  const row = (name: string, s: RoomsStep): string[] => [name, fmt(s.rate), fmt(s.offered), fmt(s.sustained), `${fmt(s.delivered)}/${fmt(s.expected)}`, fmt(s.p50, 2), fmt(s.p99, 2), fmt(s.cpuPerDelivery, 2), `${fmt(s.serverCpuPct)} %`, `${fmt(s.clientCpuPct)} %`, `${fmt(s.otherCpuPct)} %`, fmt(s.sendMs / 1000, 2), s.ok ? 'yes' : 'NO'];
  printTable(`${SHAPE.rooms} rooms × ${SHAPE.members} connor sockets, 1 writer per room, ${STEP_MS / 1000} s per step`,
    ['server', 'offered msg/s', 'offered deliv/s', 'sustained deliv/s', 'delivered/expected', 'p50 ms', 'p99 ms', 'server CPU µs/deliv', 'server CPU', 'clients CPU', 'other load', 'send s', 'kept up'],
    [...bare.map((s) => row('bare ws', s)), ...parley.map((s) => row('Parley', s))]);
  const [b, p] = [best(bare), best(parley)];
  const common = [...parley].reverse().find((s) => s.ok && bare.some((x) => x.ok && x.rate === s.rate));
  const commonBare = bare.find((x) => x.rate === common?.rate);
  console.log(`\nbest sustained: Parley ${fmt(p?.sustained ?? 0)} deliveries/s (${fmt(p?.rate ?? 0)} msg/s) ÷ bare ws ${fmt(b?.sustained ?? 0)} (${fmt(b?.rate ?? 0)} msg/s) = ${ratio(p?.sustained, b?.sustained)} (issue 13 target ≥ 0.80×)`);
  console.log(`server CPU µs/delivery at ${fmt(common?.rate ?? NaN)} msg/s (both kept up): Parley ${fmt(common?.cpuPerDelivery ?? NaN, 2)} ÷ bare ws ${fmt(commonBare?.cpuPerDelivery ?? NaN, 2)} = ${ratio(common?.cpuPerDelivery, commonBare?.cpuPerDelivery)}`);
});
