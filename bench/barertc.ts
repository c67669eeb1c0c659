/**
 * BareRTC: 1,000 guests log into `lobby` within 10 s while a publisher posts lobby messages (the
 * who-list storm), then steady fan-out of lobby messages; the same fan-out steps over connor and
 * over the bare `ws` broadcast server in the same run.
 * Usage: npm run bench:barertc   (README.md explains the figures)
 */
import type WebSocket from 'ws';
import { cpuMark, offer, openSocket, otherLoadPct, runStep, withConnorFanout, type PublishFrame, type Step } from './lib/fanout-step.js';
import { placement, runBench, scoped, startServer, startWorkers, type WorkerChild } from './lib/harness.js';
import { Histogram } from './lib/histogram.js';
import { nowUs } from './lib/ipc.js';
import { fmt, printTable } from './lib/table.js';
import { BARERTC_DEFAULTS } from '../src/protocols/barertc/settings.js';

const USERS = 1000;
const WORKERS = 2;
/** The logins are spread evenly over this window. */
const STORM_MS = 10_000;
/** Lobby messages per second the publisher posts during the storm. */
const STORM_RATE = 20;
/** Longest wait for the login sequences, and then for the final who lists. */
const LOGINS_TIMEOUT_MS = 40_000;
const WHO_TIMEOUT_MS = 20_000;
/** Steady fan-out rates (msg/s), the same for all three servers. */
const STEADY_RATES = [25, 50];
const STEP_MS = 3000;
const PUBLISHER = 'publisher';
const STORM_STEP = 1;
/**
 * The server runs with BareRTC's default warm-ups (no presence for 30 s, no who for 15 s after
 * start): the storm begins once both are over, so it meets the steady-state who and presence path.
 */
const WARMUP_MS = Math.max(BARERTC_DEFAULTS.Timings.PresenceWarmupSeconds, BARERTC_DEFAULTS.Timings.WhoWarmupSeconds) * 1000 + 500;
/**
 * Guests that log in and out one after another during those warm-ups, so the storm meets a server
 * whose login path V8 has already compiled (as the fan-out steps get a warm-up step). BENCH_COLD=1
 * skips it: the storm's first seconds then also measure the compiler (README.md).
 */
const WARM_LOGINS = process.env['BENCH_COLD'] === '1' ? 0 : 300;
/** BENCH_TARGETS=barertc,connor,bare (the default): which servers to run. */
const TARGETS = new Set((process.env['BENCH_TARGETS'] ?? 'barertc,connor,bare').split(',').map((t) => t.trim()));

/** BareRTC's lobby message frame (reference/barertc.md §4.3 message). */
const barertcFrame: PublishFrame = (text) => `{"action":"message","channel":"lobby","message":"${text}"}`;

interface Storm {
  readonly loggedIn: number;
  readonly renamed: number;
  /** Storm start → last login sequence ended (s). */
  readonly loginsDoneS: number;
  /** Storm start → every who list complete, as first received (s). */
  readonly whoDoneS: number;
  readonly whoComplete: number;
  readonly whoSockets: number;
  readonly whoFrames: number;
  readonly whoSample: string | null;
  readonly publisherWho: string | null;
  readonly loginP50: number;
  readonly loginP99: number;
  readonly msgs: number;
  readonly msgP50: number;
  readonly msgP99: number;
  readonly serverCpuS: number;
  /** Client workers' CPU over the storm, in % of one core (they share one core with the publisher). */
  readonly clientCpuPct: number;
  readonly otherCpuPct: number;
}

interface Run { readonly storm: Storm | null; readonly steps: Step[] }

/** The publisher's own BareRTC session: logged in as a guest, keeping its latest who list. */
async function barertcPublisher(wsUrl: string): Promise<{ ws: WebSocket; who: () => string | null }> {
  const ws = await openSocket(wsUrl);
  let who: string | null = null;
  const echoed = new Promise<void>((resolve) => ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    if (text.startsWith('{"action":"who"')) who = text;
    else if (text.startsWith('{"action":"echo"')) resolve();
  }));
  ws.send(JSON.stringify({ action: 'login', username: PUBLISHER }));
  await echoed;
  return { ws, who: () => who };
}

/** Log `n` guests in (to the end of their login sequence) and out again, one after another. */
async function warmLogins(wsUrl: string, n: number): Promise<void> {
  for (let k = 1; k <= n; k++) {
    const ws = await openSocket(wsUrl);
    const echoed = new Promise<void>((resolve) => ws.on('message', (data: Buffer) => { if (data.toString('utf8').startsWith('{"action":"echo"')) resolve(); }));
    ws.send(JSON.stringify({ action: 'login', username: `warm${String(k).padStart(4, '0')}` }));
    await echoed;
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.close();
    await closed;
  }
}

/** Why the publisher's final who list is not `expected`, or null. */
function publisherWhoProblem(who: string | null, expected: readonly string[]): string | null {
  if (who === null) return 'no who list';
  const names = (JSON.parse(who) as { whoList: Array<{ username: string }> }).whoList.map((e) => e.username);
  const sorted = [...expected].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.length === sorted.length && names.every((n, k) => n === sorted[k]) ? null : `${names.length} entries, expected ${sorted.length}`;
}

async function runBarertc(pin: ReturnType<typeof placement>): Promise<Run> {
  return scoped(async () => {
    const { child, url } = await startServer('parley', { cpus: pin.server });
    const readyAt = Date.now();
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
    const workers: WorkerChild[] = startWorkers(WORKERS, { cpus: pin.clients });
    const pub = await barertcPublisher(wsUrl);
    const names = Array.from({ length: USERS }, (_, k) => `guest${String(k + 1).padStart(4, '0')}`);
    const expected = [...names, PUBLISHER];

    if (WARM_LOGINS > 0) {
      const t0 = Date.now();
      await warmLogins(wsUrl, WARM_LOGINS);
      console.log(`  barertc: ${WARM_LOGINS} warm-up logins and logouts in ${fmt((Date.now() - t0) / 1000, 1)} s (before the storm, not measured)`);
    }
    const warm = readyAt + WARMUP_MS - Date.now();
    if (warm > 0) {
      console.log(`  barertc: waiting ${fmt(warm / 1000, 1)} s for the presence and who warm-ups to end`);
      await new Promise((r) => setTimeout(r, warm));
    }
    // Login k at start + k × STORM_MS / USERS, dealt round-robin to the workers.
    const startUs = nowUs() + 300_000;
    const spacingUs = (STORM_MS * 1000) / USERS;
    const m0 = await cpuMark(child, workers);
    const logins = Promise.all(workers.map((w, i) => {
      const mine = names.map((n, k) => [n, k] as const).filter(([, k]) => k % WORKERS === i);
      return w.request({ type: 'barertc-logins', url: wsUrl, names: mine.map(([n]) => n), atUs: mine.map(([, k]) => startUs + k * spacingUs), timeoutMs: LOGINS_TIMEOUT_MS }, 'logged-in', LOGINS_TIMEOUT_MS + STORM_MS + 30_000);
    }));
    const wait = (startUs - nowUs()) / 1000;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [loginReplies, lines] = await Promise.all([logins, offer(pub.ws, STORM_STEP, STORM_RATE, STORM_MS, barertcFrame)]);
    console.log(`  barertc: login replies after ${fmt((nowUs() - startUs) / 1e6, 1)} s: ${loginReplies.map((r) => `${r.loggedIn} logged in${r.error ? ` (${r.error})` : ''}`).join(', ')}`);
    const whoReplies = await Promise.all(workers.map((w) => w.request({ type: 'who-check', expected, lastLineUs: lines.lastUs, timeoutMs: WHO_TIMEOUT_MS }, 'who', WHO_TIMEOUT_MS + 30_000)));
    const msgReplies = await Promise.all(workers.map((w) => w.request({ type: 'collect', step: STORM_STEP, perSocket: 0, timeoutMs: 0 }, 'stats', 30_000)));
    const m1 = await cpuMark(child, workers);

    const loginHist = new Histogram();
    for (const r of loginReplies) loginHist.add(r.hist);
    const msgHist = new Histogram();
    for (const r of msgReplies) msgHist.add(r.stats.hist);
    const failed = loginReplies.find((r) => r.error !== null);
    if (failed) console.log(`  barertc: logins: ${failed.error}`);
    const storm: Storm = {
      loggedIn: loginReplies.reduce((t, r) => t + r.loggedIn, 0),
      renamed: loginReplies.reduce((t, r) => t + r.renamed, 0),
      loginsDoneS: (Math.max(...loginReplies.map((r) => r.lastUs)) - startUs) / 1e6,
      whoDoneS: whoReplies.every((r) => r.complete === r.sockets) ? (Math.max(...whoReplies.map((r) => r.settledUs)) - startUs) / 1e6 : NaN,
      whoComplete: whoReplies.reduce((t, r) => t + r.complete, 0),
      whoSockets: whoReplies.reduce((t, r) => t + r.sockets, 0),
      whoFrames: whoReplies.reduce((t, r) => t + r.whoFrames, 0),
      whoSample: whoReplies.find((r) => r.sample !== null)?.sample ?? null,
      publisherWho: publisherWhoProblem(pub.who(), expected),
      loginP50: loginHist.percentileMs(50),
      loginP99: loginHist.percentileMs(99),
      msgs: msgHist.total,
      msgP50: msgHist.percentileMs(50),
      msgP99: msgHist.percentileMs(99),
      serverCpuS: (m1.server - m0.server) / 1e6,
      clientCpuPct: ((m1.clients - m0.clients) / (m1.at - m0.at)) * 100,
      otherCpuPct: otherLoadPct(m0, m1),
    };
    console.log(`  barertc: ${storm.loggedIn}/${USERS} logged in by ${fmt(storm.loginsDoneS, 1)} s, who lists complete ${storm.whoComplete}/${storm.whoSockets}${Number.isNaN(storm.whoDoneS) ? '' : ` by ${fmt(storm.whoDoneS, 1)} s`}; storm p99 ${fmt(storm.msgP99, 1)} ms`);
    if (storm.whoSample) console.log(`  barertc: a wrong who list: ${storm.whoSample}`);
    if (storm.publisherWho) console.log(`  barertc: publisher's who list: ${storm.publisherWho}`);

    const steps: Step[] = [];
    await runStep(child, workers, pub.ws, STORM_STEP + 1, 50, 1000, USERS, barertcFrame); // warm-up, not reported
    for (const [i, rate] of STEADY_RATES.entries()) {
      const s = await runStep(child, workers, pub.ws, STORM_STEP + 2 + i, rate, STEP_MS, USERS, barertcFrame);
      steps.push(s);
      console.log(`  barertc: ${rate} msg/s → ${fmt(s.sustained)} deliveries/s, p99 ${fmt(s.p99, 1)} ms, ${fmt(s.cpuPerDelivery, 2)} µs/delivery`);
    }
    return { storm, steps };
  });
}

async function runSteady(kind: 'parley' | 'bare', pin: ReturnType<typeof placement>): Promise<Run> {
  return withConnorFanout(kind, pin, { subscribers: USERS, workers: WORKERS }, async ({ child, workers, pub }) => {
    const steps: Step[] = [];
    for (const [i, rate] of STEADY_RATES.entries()) {
      const s = await runStep(child, workers, pub, i + 1, rate, STEP_MS, USERS);
      steps.push(s);
      console.log(`  ${kind === 'bare' ? 'bare ws' : 'connor'}: ${rate} msg/s → ${fmt(s.sustained)} deliveries/s, p99 ${fmt(s.p99, 1)} ms, ${fmt(s.cpuPerDelivery, 2)} µs/delivery`);
    }
    return { storm: null, steps };
  });
}

function printStorm(st: Storm): void {
  printTable(`BareRTC join storm: ${USERS} guest logins spread over ${STORM_MS / 1000} s, publisher posting ${STORM_RATE} lobby msg/s`, ['metric', 'value'], [
    ['logged in (login sequence to echo)', `${st.loggedIn}/${USERS}${st.renamed > 0 ? `, ${st.renamed} renamed` : ''}`],
    ['last login sequence ended, s after start', fmt(st.loginsDoneS, 2)],
    ['every who list complete, s after start', Number.isNaN(st.whoDoneS) ? 'never' : fmt(st.whoDoneS, 2)],
    ['final who lists complete and correct', `${st.whoComplete}/${st.whoSockets} + publisher ${st.publisherWho === null ? 'yes' : `NO (${st.publisherWho})`}`],
    ['who frames received (all clients)', fmt(st.whoFrames)],
    ['login → echo p50 / p99 ms', `${fmt(st.loginP50, 1)} / ${fmt(st.loginP99, 1)}`],
    ['lobby deliveries during storm', fmt(st.msgs)],
    ['lobby p50 / p99 ms during storm', `${fmt(st.msgP50, 1)} / ${fmt(st.msgP99, 1)}`],
    ['server CPU during storm, s', fmt(st.serverCpuS, 2)],
    ['client workers CPU during storm', `${fmt(st.clientCpuPct)} % of a core`],
    ['other load', `${fmt(st.otherCpuPct)} %`],
  ]);
}

await runBench('bench:barertc', 175_000, async () => {
  const pin = placement();
  console.log(`BareRTC bench: ${USERS} guests in ${WORKERS} worker processes; server pinned to CPU ${pin.server ?? '(none)'}, clients to CPU ${pin.clients ?? '(none)'}`);
  const none: Run = { storm: null, steps: [] };
  const barertc = TARGETS.has('barertc') ? await runBarertc(pin) : none;
  if (barertc.storm) printStorm(barertc.storm);
  const connor = TARGETS.has('connor') ? await runSteady('parley', pin) : none;
  const bare = TARGETS.has('bare') ? await runSteady('bare', pin) : none;

  const rows: Array<[string, Step]> = [];
  for (const [k, run] of [['BareRTC', barertc], ['connor', connor], ['bare ws', bare]] as const) for (const s of run.steps) rows.push([k, s]);
  printTable(`Steady fan-out: ${USERS} subscribers, 1 publisher, ${STEP_MS / 1000} s per step, same run`,
    ['server', 'offered msg/s', 'sustained deliv/s', 'delivered/expected', 'p50 ms', 'p99 ms', 'server CPU µs/deliv', 'server CPU', 'clients CPU', 'other load', 'kept up'],
    rows.map(([k, s]) => [k, s.rate, fmt(s.sustained), `${fmt(s.delivered)}/${fmt(s.expected)}`, fmt(s.p50, 2), fmt(s.p99, 2), fmt(s.cpuPerDelivery, 2), `${fmt(s.serverCpuPct)} %`, `${fmt(s.clientCpuPct)} %`, `${fmt(s.otherCpuPct)} %`, s.ok ? 'yes' : 'NO']));

  const cpuRatio = (rate: number, other: Run): number => {
    const a = barertc.steps.find((s) => s.rate === rate)?.cpuPerDelivery;
    const b = other.steps.find((s) => s.rate === rate)?.cpuPerDelivery;
    return a !== undefined && b !== undefined ? a / b : NaN;
  };
  const st = barertc.storm;
  const whoOk = st !== null && st.whoComplete === USERS && st.whoSockets === USERS && st.publisherWho === null;
  printTable('Targets (issue 10)', ['target', 'measured', 'met'], [
    ['every final who list complete and correct', st ? `${st.whoComplete}/${USERS} clients + publisher ${st.publisherWho === null ? 'ok' : 'wrong'}` : 'not run', whoOk ? 'yes' : 'NO'],
    ['lobby p99 during the storm < 100 ms', st ? `${fmt(st.msgP99, 1)} ms` : 'not run', st && st.msgP99 < 100 ? 'yes' : 'NO'],
    ['1,000 logins within the 10 s storm', st ? `last login sequence ended at ${fmt(st.loginsDoneS, 1)} s` : 'not run', st && st.loggedIn === USERS && st.loginsDoneS <= STORM_MS / 1000 + 1 ? 'yes' : 'NO'],
    ...STEADY_RATES.map((r) => [`CPU/delivery ≤ 1.3× connor's at ${r} msg/s`, `${fmt(cpuRatio(r, connor), 2)}× connor, ${fmt(cpuRatio(r, bare), 2)}× bare ws`, cpuRatio(r, connor) <= 1.3 ? 'yes' : 'NO']),
  ]);
});
