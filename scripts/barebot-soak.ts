/**
 * A BareBot-like soak against the real server (reference/barertc.md §9): `parley serve` is spawned
 * as a user runs it, in a temp dir with its own settings.toml; an operator bot signs in through
 * /api/authenticate exactly as BareBot does, answers every DM, sends `/unmute-all` on `me` and on
 * every `ping`, and runs BareBot's self-DM deadlock watchdog; guests chat in the lobby, DM the bot
 * and come and go. It never calls /api/shutdown. At the end the server must still be alive, every
 * DM answered, every probe passed and no `disconnect` sent to the bot; SIGTERM must then stop the
 * server cleanly.
 *
 * Usage: npm run soak:barebot -- --minutes 3 [--guests 4] [--probe-every 5] [--probe-deadline 10]
 *        [--ping-seconds 30] [--warmups default|off]
 * (the npm script builds dist/ first; bin/parley.js runs the compiled code). Exits 1 on any failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));

export interface SoakOptions {
  /** How long the bot and guests run. */
  readonly durationMs: number;
  /** Guests chatting at once (each leaves and comes back, over and over). */
  readonly guests: number;
  /** Self-DM watchdog period (BareBot: 15 s). */
  readonly probeEveryMs: number;
  /** Both self-echoes of a probe must arrive within this (BareBot waits 60 s, then restarts the server). */
  readonly probeDeadlineMs: number;
  /** The server's `[barertc.Timings] PingIntervalSeconds` (BareRTC: 30). */
  readonly pingIntervalSeconds: number;
  /** `default`: BareRTC's restart warm-ups (30 s presence, 15 s who); `off`: 0. */
  readonly warmups: 'default' | 'off';
  /** Progress lines (nothing when absent). */
  readonly log?: (line: string) => void;
}

export const DEFAULT_SOAK: SoakOptions = { durationMs: 3 * 60_000, guests: 4, probeEveryMs: 5000, probeDeadlineMs: 10_000, pingIntervalSeconds: 30, warmups: 'default' };

export interface SoakReport {
  /** No failure at all. */
  readonly ok: boolean;
  /** What went wrong, one line each (capped). */
  readonly failures: readonly string[];
  readonly seconds: number;
  readonly probes: { sent: number; passed: number; failed: number };
  /** Guest side: DMs sent to the bot and answers received; bot side: DMs received and replies sent. */
  readonly dms: { sent: number; answered: number; botReceived: number; botReplied: number };
  readonly lobby: { sent: number; echoed: number };
  /** `/unmute-all` sent by the bot (on `me` and each `ping`) and the ChatServer notices answering them. */
  readonly unmuteAll: { sent: number; acknowledged: number };
  readonly pings: { received: number; withJwt: number };
  readonly botDisconnects: number;
  readonly guestSessions: number;
  /** Every frame every client received / sent. */
  readonly frames: { received: number; sent: number; perSecond: number };
  readonly server: { aliveAtEnd: boolean; exit: { code: number | null; signal: NodeJS.Signals | null } | null; errorLogLines: number };
}

const MAX_FAILURES = 50;
const WAIT_MS = 10_000;
const BOT = 'barebot';

type Frame = Record<string, unknown> & { action: string };

/** Totals shared by every client of one run. */
class Tally {
  framesIn = 0;
  framesOut = 0;
  readonly failures: string[] = [];
  fail(line: string): void {
    if (this.failures.length < MAX_FAILURES) this.failures.push(line);
  }
}

/** A BareRTC socket client (no Origin header, like BareBot and every non-browser client, §4.1). */
class WireClient {
  readonly #ws: WebSocket;
  #waiters = new Set<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  readonly #listeners: ((f: Frame) => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(url: string, private readonly tally: Tally) {
    this.#ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.#ws.once('open', () => resolve());
      this.#ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.#ws.on('error', () => undefined); // reported through `closed` and the waiters
    this.closed = new Promise((resolve) => this.#ws.once('close', () => {
      for (const w of this.#waiters) w.reject(new Error('socket closed'));
      this.#waiters.clear();
      resolve();
    }));
    this.#ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.tally.framesIn++;
      let f: Frame;
      try {
        f = JSON.parse(data.toString()) as Frame;
      } catch {
        return this.tally.fail(`unparseable frame: ${data.toString().slice(0, 200)}`);
      }
      for (const l of this.#listeners) l(f);
      for (const w of this.#waiters) {
        if (w.match(f)) {
          this.#waiters.delete(w);
          w.resolve(f);
        }
      }
    });
  }

  onFrame(listener: (f: Frame) => void): void {
    this.#listeners.push(listener);
  }

  /** The next frame (from now on) that satisfies `match`; register before sending what causes it. */
  waitFor(match: (f: Frame) => boolean, what: string, timeoutMs = WAIT_MS): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (f: Frame) => { clearTimeout(timer); resolve(f); },
        reject: (e: Error) => { clearTimeout(timer); reject(e); },
      };
      this.#waiters.add(waiter);
    });
  }

  send(frame: Record<string, unknown>): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.tally.framesOut++;
    this.#ws.send(JSON.stringify(frame));
  }

  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    this.#ws.close();
    await this.closed;
  }
}

const isNotice = (f: Frame): boolean => f.action === 'error' && f['username'] === 'ChatServer';
const text = (f: Frame): string => (typeof f['message'] === 'string' ? f['message'] : '');
const TOKEN = /soak-[0-9a-z]+-[0-9]+/;
let tokenSeq = 0;
const newToken = (): string => `soak-${randomBytes(3).toString('hex')}-${++tokenSeq}`;
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const between = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo));

// ---------------------------------------------------------------------------------------------
// The server, as a user starts it.

interface Server {
  readonly child: ChildProcess;
  url: string;
  readonly apiKey: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  errorLogLines: number;
  readonly errorSamples: string[];
}

async function startServer(dir: string, options: SoakOptions): Promise<Server> {
  const apiKey = randomUUID();
  const timings = options.warmups === 'off' ? 'PresenceWarmupSeconds = 0\nWhoWarmupSeconds = 0\n' : '';
  // Strict = false: the bot signs in with a JWT, the guests without one (§3 "Enabled=true, Strict=false").
  const settings = `AdminAPIKey = "${apiKey}"\n\n[barertc.JWT]\nEnabled = true\nStrict = false\nSecretKey = "${randomBytes(32).toString('base64url')}"\n\n[barertc.Timings]\n${timings}PingIntervalSeconds = ${options.pingIntervalSeconds}\n`;
  const config = path.join(dir, 'settings.toml');
  await writeFile(config, settings, { mode: 0o600 });
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PARLEY_')));
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: dir,
    env: { ...env, PARLEY_CONFIG: config, PARLEY_DATA_DIR: path.join(dir, 'data'), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', PARLEY_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const server: Server = { child, apiKey, exited, url: '', errorLogLines: 0, errorSamples: [] };
  server.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not log "listening" within 30 s; stderr: ${stderr}`)), 30_000);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${e.code ?? e.signal}) before listening; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      // pino levels: 50 error, 60 fatal.
      if (typeof entry['level'] === 'number' && entry['level'] >= 50) {
        server.errorLogLines++;
        if (server.errorSamples.length < 5) server.errorSamples.push(line.slice(0, 400));
      }
      const msg = entry['msg'];
      if (typeof msg === 'string' && msg.startsWith('parley listening on ') && typeof entry['url'] === 'string') {
        clearTimeout(timer);
        resolve(entry['url']);
      }
    });
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return server;
}

// ---------------------------------------------------------------------------------------------
// The bot (§9 "Wire usage, in order" and "Deadlock watchdog").

class Bot {
  readonly client: WireClient;
  dmsReceived = 0;
  dmsReplied = 0;
  unmuteSent = 0;
  unmuteAcked = 0;
  pings = 0;
  pingsWithJwt = 0;
  disconnects = 0;
  probesSent = 0;
  probesPassed = 0;
  probesFailed = 0;
  /** Open probes: token → self-echoes seen so far and what settles it. */
  readonly #probes = new Map<string, { echoes: number; done: (passed: boolean) => void }>();
  readonly #probeRuns: Promise<void>[] = [];
  /** Probes that timed out: their late echoes are not counted twice. */
  readonly #late = new Set<string>();
  #watchdog: NodeJS.Timeout | null = null;
  #acked: (() => void) | null = null;

  private constructor(wsUrl: string, private readonly tally: Tally, private readonly options: SoakOptions) {
    this.client = new WireClient(`${wsUrl}/ws`, tally);
    this.client.onFrame((f) => this.#onFrame(f));
  }

  /** 1. POST /api/authenticate with the API key for an operator bot's JWT; 2-3. /ws, login; resolves at the first `me`. */
  static async start(server: Server, tally: Tally, options: SoakOptions): Promise<Bot> {
    const res = await fetch(`${server.url}/api/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ APIKey: server.apiKey, Claims: { sub: BOT, nick: 'BareBot', op: true, img: '/static/img/bot.png', url: '/u/barebot', emoji: '🤖', gender: 'm' } }),
    });
    const body = (await res.json()) as { OK?: unknown; JWT?: unknown };
    if (res.status !== 200 || body.OK !== true || typeof body.JWT !== 'string' || body.JWT === '') throw new Error(`/api/authenticate answered ${res.status} ${JSON.stringify(body)}`);
    const bot = new Bot(server.url.replace(/^http/, 'ws'), tally, options);
    await bot.client.opened;
    const me = bot.client.waitFor((f) => f.action === 'me', 'me after the bot login');
    // BareBot sends the literal "testbot"; the token's `sub` wins (§9 step 3).
    bot.client.send({ action: 'login', username: 'testbot', jwt: body.JWT });
    const first = await me;
    if (first['username'] !== BOT) throw new Error(`the bot logged in as ${JSON.stringify(first['username'])}, not ${BOT} (jwt.sub)`);
    return bot;
  }

  #unmuteAll(): void {
    this.unmuteSent++;
    this.client.send({ action: 'message', message: '/unmute-all' });
  }

  #onFrame(f: Frame): void {
    switch (f.action) {
      case 'me':
        return this.#unmuteAll();
      case 'ping':
        this.pings++;
        if (typeof f['jwt'] === 'string' && f['jwt'] !== '') this.pingsWithJwt++;
        return this.#unmuteAll();
      case 'disconnect':
        this.disconnects++;
        return this.tally.fail('the bot received disconnect');
      case 'error':
        if (isNotice(f) && /^Your mute on \d+ users has been lifted\.$/.test(text(f))) {
          this.unmuteAcked++;
          this.#acked?.();
        }
        return;
      case 'message': {
        const channel = typeof f['channel'] === 'string' ? f['channel'] : '';
        if (!channel.startsWith('@')) return; // public lines: BareBot's catch-all does not reply
        if (f['username'] === BOT) {
          if (channel !== `@${BOT}`) return; // the echo of one of our replies
          const token = TOKEN.exec(text(f))?.[0] ?? '';
          const probe = this.#probes.get(token);
          if (!probe && this.#late.has(token)) return;
          // Unknown, or a third echo of a probe that already passed.
          if (!probe) return this.tally.fail(`unexpected self-DM: ${text(f).slice(0, 100)}`);
          if (++probe.echoes === 2) probe.done(true);
          return;
        }
        // A DM from someone: BareBot answers every one, on the channel it came in on (`@sender`).
        this.dmsReceived++;
        const token = TOKEN.exec(text(f))?.[0];
        this.client.send({ action: 'message', channel, message: token ? `You said ${token}` : 'Hello!' });
        this.dmsReplied++;
        return;
      }
      default:
    }
  }

  /** Every `probeEveryMs`: DM ourselves and expect both echoes (§4.7) within the deadline. */
  startWatchdog(): void {
    this.#watchdog = setInterval(() => this.#probeRuns.push(this.#probe()), this.options.probeEveryMs);
  }

  #probe(): Promise<void> {
    const token = newToken();
    this.probesSent++;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(false), this.options.probeDeadlineMs);
      const done = (passed: boolean) => {
        clearTimeout(timer);
        const echoes = this.#probes.get(token)?.echoes ?? 0;
        if (!this.#probes.delete(token)) return;
        if (passed) this.probesPassed++;
        else {
          // BareBot would reconnect (and after 60 s call /api/shutdown): here it is a failure.
          this.probesFailed++;
          this.#late.add(token);
          this.tally.fail(`watchdog probe ${token} got ${echoes} of 2 echoes within ${this.options.probeDeadlineMs} ms`);
        }
        resolve();
      };
      this.#probes.set(token, { echoes: 0, done });
      this.client.send({ action: 'message', channel: `@${BOT}`, message: `deadlock ping ${token}` });
    });
  }

  /** Stop probing and let the open probes settle. */
  async stopWatchdog(): Promise<void> {
    if (this.#watchdog) clearInterval(this.#watchdog);
    await Promise.all(this.#probeRuns);
  }

  /** Every `/unmute-all` sent so far has had its notice; false when `timeoutMs` passed first. */
  async unmuteSettled(timeoutMs = WAIT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.unmuteAcked < this.unmuteSent) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#acked = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#acked = null;
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Guests: log in, chat in the lobby, DM the bot and wait for its answer, leave, come back.

interface GuestStats {
  dmsSent: number;
  dmsAnswered: number;
  lobbySent: number;
  lobbyEchoed: number;
  sessions: number;
}

async function guestLoop(index: number, wsUrl: string, until: number, stats: GuestStats, tally: Tally): Promise<void> {
  while (Date.now() < until) {
    const client = new WireClient(`${wsUrl}/ws`, tally);
    try {
      await client.opened;
      // A channel-less /unmute-all is a command and must never be broadcast (§9).
      client.onFrame((f) => {
        if (f.action === 'message' && text(f).includes('unmute-all')) tally.fail(`a guest received ${JSON.stringify(f).slice(0, 200)}`);
        if (f.action === 'disconnect') tally.fail(`guest ${index} received disconnect`);
      });
      const me = client.waitFor((f) => f.action === 'me', `me for guest ${index}`);
      client.send({ action: 'login', username: `guest${index}` });
      const name = (await me)['username'];
      if (typeof name !== 'string') throw new Error(`guest ${index}: me without a username`);
      stats.sessions++;
      const rounds = between(2, 7);
      for (let r = 0; r < rounds && Date.now() < until; r++) {
        // A lobby line comes back to its sender too (§4.3 message).
        const line = newToken();
        const echo = client.waitFor((f) => f.action === 'message' && f['channel'] === 'lobby' && f['username'] === name && text(f).includes(line), `lobby echo of ${line} for ${name}`);
        client.send({ action: 'message', channel: 'lobby', message: `hello everyone ${line}` });
        stats.lobbySent++;
        await echo;
        stats.lobbyEchoed++;

        // A DM to the bot; the answer arrives on channel @barebot (§4.7).
        const dm = newToken();
        const answer = client.waitFor((f) => f.action === 'message' && f['channel'] === `@${BOT}` && f['username'] === BOT && text(f).includes(dm), `the bot's answer to ${dm} for ${name}`);
        client.send({ action: 'message', channel: `@${BOT}`, message: `hi bot ${dm}` });
        stats.dmsSent++;
        await answer;
        stats.dmsAnswered++;
        await pause(between(100, 600));
      }
    } catch (e) {
      tally.fail(`guest ${index}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await client.close();
    await pause(between(200, 1000));
  }
}

// ---------------------------------------------------------------------------------------------

/** One soak run: start the server, run bot and guests for `durationMs`, check, stop the server. */
export async function runSoak(partial: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const options: SoakOptions = { ...DEFAULT_SOAK, ...partial };
  const log = options.log ?? (() => undefined);
  const tally = new Tally();
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-soak-'));
  let server: Server | null = null;
  try {
    server = await startServer(dir, options);
    log(`server ${server.url} (pid ${server.child.pid}), data in ${dir}`);
    const started = Date.now();
    const bot = await Bot.start(server, tally, options);
    bot.startWatchdog();
    const until = started + options.durationMs;
    const stats: GuestStats = { dmsSent: 0, dmsAnswered: 0, lobbySent: 0, lobbyEchoed: 0, sessions: 0 };
    const wsUrl = server.url.replace(/^http/, 'ws');
    const progress = setInterval(() => log(`${Math.round((Date.now() - started) / 1000)} s: probes ${bot.probesPassed}/${bot.probesSent}, DMs ${stats.dmsAnswered}/${stats.dmsSent}, pings ${bot.pings}, failures ${tally.failures.length}`), 30_000);
    await Promise.all(Array.from({ length: options.guests }, (_, i) => guestLoop(i + 1, wsUrl, until, stats, tally)));
    clearInterval(progress);
    await bot.stopWatchdog();
    if (!(await bot.unmuteSettled())) tally.fail(`/unmute-all: ${bot.unmuteAcked} notices for ${bot.unmuteSent} commands`);
    const seconds = (Date.now() - started) / 1000;

    const aliveAtEnd = server.child.exitCode === null && server.child.signalCode === null;
    if (!aliveAtEnd) tally.fail('the server process was no longer running at the end');
    await bot.client.close();
    if (stats.dmsAnswered !== stats.dmsSent) tally.fail(`${stats.dmsSent - stats.dmsAnswered} of ${stats.dmsSent} DMs to the bot were not answered`);
    if (bot.dmsReceived !== stats.dmsSent) tally.fail(`the bot received ${bot.dmsReceived} DMs, the guests sent ${stats.dmsSent}`);
    if (stats.dmsSent === 0) tally.fail('no DM was sent to the bot');
    if (bot.probesSent === 0) tally.fail('no watchdog probe was sent');
    if (bot.pingsWithJwt !== bot.pings) tally.fail(`${bot.pings - bot.pingsWithJwt} of ${bot.pings} pings to the JWT bot had no fresh jwt`);
    if (seconds > 2 * options.pingIntervalSeconds && bot.pings === 0) tally.fail(`no ping in ${seconds.toFixed(0)} s (interval ${options.pingIntervalSeconds} s)`);

    // SIGTERM: a clean exit, promptly.
    server.child.kill('SIGTERM');
    const exit = await Promise.race([server.exited, pause(20_000).then(() => null)]);
    if (exit === null) {
      tally.fail('the server did not exit within 20 s of SIGTERM');
      server.child.kill('SIGKILL');
    } else if (exit.code !== 0) tally.fail(`the server exited with ${exit.code ?? exit.signal} after SIGTERM`);
    if (server.errorLogLines > 0) tally.fail(`the server logged ${server.errorLogLines} error lines, e.g. ${server.errorSamples.join(' | ')}`);

    const framesPerSecond = seconds > 0 ? (tally.framesIn + tally.framesOut) / seconds : 0;
    return {
      ok: tally.failures.length === 0,
      failures: tally.failures,
      seconds,
      probes: { sent: bot.probesSent, passed: bot.probesPassed, failed: bot.probesFailed },
      dms: { sent: stats.dmsSent, answered: stats.dmsAnswered, botReceived: bot.dmsReceived, botReplied: bot.dmsReplied },
      lobby: { sent: stats.lobbySent, echoed: stats.lobbyEchoed },
      unmuteAll: { sent: bot.unmuteSent, acknowledged: bot.unmuteAcked },
      pings: { received: bot.pings, withJwt: bot.pingsWithJwt },
      botDisconnects: bot.disconnects,
      guestSessions: stats.sessions,
      frames: { received: tally.framesIn, sent: tally.framesOut, perSecond: framesPerSecond },
      server: { aliveAtEnd, exit, errorLogLines: server.errorLogLines },
    };
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** The summary a person reads. */
export function formatReport(r: SoakReport): string {
  return [
    `barebot soak: ${r.ok ? 'PASS' : 'FAIL'} after ${r.seconds.toFixed(1)} s`,
    `  watchdog probes   ${r.probes.passed}/${r.probes.sent} passed (${r.probes.failed} failed)`,
    `  DMs to the bot    ${r.dms.answered}/${r.dms.sent} answered (bot received ${r.dms.botReceived}, replied ${r.dms.botReplied})`,
    `  lobby lines       ${r.lobby.echoed}/${r.lobby.sent} echoed; ${r.guestSessions} guest sessions`,
    `  /unmute-all       ${r.unmuteAll.acknowledged}/${r.unmuteAll.sent} acknowledged; pings ${r.pings.received} (${r.pings.withJwt} with a fresh jwt)`,
    `  bot disconnects   ${r.botDisconnects}`,
    `  frames            ${r.frames.received} in, ${r.frames.sent} out, ${r.frames.perSecond.toFixed(1)} frames/s`,
    `  server            alive at end: ${r.server.aliveAtEnd}; exit after SIGTERM: ${r.server.exit ? (r.server.exit.code ?? r.server.exit.signal) : 'none'}; error log lines: ${r.server.errorLogLines}`,
    ...r.failures.map((f) => `  FAILURE: ${f}`),
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '3' },
      guests: { type: 'string', default: String(DEFAULT_SOAK.guests) },
      'probe-every': { type: 'string', default: String(DEFAULT_SOAK.probeEveryMs / 1000) },
      'probe-deadline': { type: 'string', default: String(DEFAULT_SOAK.probeDeadlineMs / 1000) },
      'ping-seconds': { type: 'string', default: String(DEFAULT_SOAK.pingIntervalSeconds) },
      warmups: { type: 'string', default: DEFAULT_SOAK.warmups },
    },
  });
  const num = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${value}`);
    return n;
  };
  if (values.warmups !== 'default' && values.warmups !== 'off') throw new Error(`--warmups must be default or off, got ${values.warmups}`);
  const report = await runSoak({
    durationMs: num('minutes', values.minutes, 0.05) * 60_000,
    guests: Math.round(num('guests', values.guests, 1)),
    probeEveryMs: num('probe-every', values['probe-every'], 0.1) * 1000,
    probeDeadlineMs: num('probe-deadline', values['probe-deadline'], 0.1) * 1000,
    pingIntervalSeconds: num('ping-seconds', values['ping-seconds'], 0.01),
    warmups: values.warmups,
    log: (line) => console.log(line),
  });
  console.log(formatReport(report));
  return report.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => (process.exitCode = code), (e: unknown) => {
    console.error(`barebot soak: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
