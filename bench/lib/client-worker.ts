/**
 * A client process holding many WebSockets (ipc.ts WorkerRequest). Every received frame whose text
 * is `<step>:<sendTimeUs>` counts as one delivery of that step, with its publish→delivery
 * latency; the text is found by scanning bytes, so the client spends little CPU per frame.
 * BareRTC sockets (`barertc-logins`) count their `message` frames the same way and keep their
 * latest `who` list unparsed until a `who-check` asks for it.
 */
import { setImmediate as yieldToFrames, setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { Histogram } from './histogram.js';
import { nowUs, type WorkerReply, type WorkerRequest } from './ipc.js';

interface Step { count: number; lastArrivalUs: number; readonly hist: Histogram }

const sockets: WebSocket[] = [];
/** Sockets opened by `connect-list` as writers: they send when a `write` asks. */
const writers: WebSocket[] = [];
const steps = new Map<number, Step>();
let closing = false;
let closedByServer = 0;
const reply = (m: WorkerReply): void => void process.send?.(m);
const MARK = Buffer.from('"text":"');
const COLON = 0x3a;

function onFrame(data: Buffer): void {
  const i = data.indexOf(MARK);
  if (i >= 0) record(data, i + MARK.length, nowUs());
}

/** Count one delivery whose `<step>:<sendTimeUs>` text starts at byte `i`; returns its send time. */
function record(data: Buffer, i: number, now: number): number {
  let step = 0;
  for (let c = data[i]; c !== undefined && c !== COLON; c = data[++i]) step = step * 10 + c - 48;
  let sent = 0;
  // Digits up to the closing quote (connor) or the closing tag (BareRTC's HTML).
  for (let c = data[++i]; c !== undefined && c >= 0x30 && c <= 0x39; c = data[++i]) sent = sent * 10 + c - 48;
  let s = steps.get(step);
  if (!s) steps.set(step, (s = { count: 0, lastArrivalUs: 0, hist: new Histogram() }));
  s.count += 1;
  s.lastArrivalUs = now;
  s.hist.record(now - sent);
  return sent;
}

function open(url: string, protocol: string | null, writer = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = protocol === null
      ? new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
      : new WebSocket(url, protocol, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('message', onFrame);
    ws.once('open', () => {
      sockets.push(ws);
      if (writer) writers.push(ws);
      resolve();
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('close', () => { if (!closing) closedByServer += 1; });
  });
}

async function connect(msg: Extract<WorkerRequest, { type: 'connect' }>): Promise<void> {
  const started = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < msg.count) {
      const k = next++;
      await open(msg.url, msg.protocols[k % msg.protocols.length] ?? null);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(msg.concurrency, msg.count) }, lane));
    reply({ type: 'connected', open: sockets.length, ms: Date.now() - started, error: null });
  } catch (e) {
    const error = `after ${sockets.length} sockets: ${e instanceof Error ? e.message : String(e)}`;
    reply({ type: 'connected', open: sockets.length, ms: Date.now() - started, error });
  }
}

async function connectList(msg: Extract<WorkerRequest, { type: 'connect-list' }>): Promise<void> {
  const started = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < msg.sockets.length) {
      const s = msg.sockets[next++]!;
      await open(s.url, s.protocol, s.writer);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(msg.concurrency, msg.sockets.length) }, lane));
    reply({ type: 'connected', open: sockets.length, ms: Date.now() - started, error: null });
  } catch (e) {
    const error = `after ${sockets.length} sockets: ${e instanceof Error ? e.message : String(e)}`;
    reply({ type: 'connected', open: sockets.length, ms: Date.now() - started, error });
  }
}

/**
 * Every writer sends `ratePerSocket` messages/s for `ms`. The writers take turns on one schedule
 * at their total rate (as offer() paces one socket), so sends are spread evenly in time rather
 * than all writers bursting together; between two bursts the loop yields so deliveries are read
 * (and timed) while writing.
 */
async function write(msg: Extract<WorkerRequest, { type: 'write' }>): Promise<void> {
  const n = Math.round((msg.ratePerSocket * msg.ms) / 1000);
  const total = n * writers.length;
  const rate = msg.ratePerSocket * writers.length;
  const startUs = nowUs();
  let sent = 0;
  let lastUs = startUs;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((nowUs() - startUs) * rate) / 1e6) + 1);
    for (; sent < due; sent++) {
      lastUs = nowUs();
      writers[sent % writers.length]!.send(`{"text":"${msg.step}:${lastUs}"}`);
    }
    const nextDueUs = (sent * 1e6) / rate - (nowUs() - startUs);
    // Ahead of schedule: sleep (≥ 1 ms, so sends go out in small bursts) rather than spin; behind: only let frames in.
    if (sent < total) await (nextDueUs > 0 ? sleep(nextDueUs / 1000) : yieldToFrames());
  }
  reply({ type: 'written', sent: n, writers: writers.length, startUs, lastUs });
}

/** One BareRTC session: its latest `who` list (raw) and since when the same list has been its latest. */
interface BareSession { readonly name: string; me: string | null; who: Buffer | null; whoSinceUs: number; loginSentUs: number; echoUs: number; lastLineUs: number }

const bareSessions: BareSession[] = [];
let whoFrames = 0;
const B_MESSAGE = Buffer.from('{"action":"message"');
const B_WHO = Buffer.from('{"action":"who"');
const B_ME = Buffer.from('{"action":"me"');
const B_ECHO = Buffer.from('{"action":"echo"');
const B_TEXT = Buffer.from('"message":"');

function onBarertcFrame(s: BareSession, data: Buffer): void {
  const now = nowUs();
  if (data.subarray(0, B_MESSAGE.length).equals(B_MESSAGE)) {
    let i = data.indexOf(B_TEXT, B_MESSAGE.length);
    if (i < 0) return;
    i += B_TEXT.length;
    // The text arrives rendered (`<p>1:123</p>`): skip the opening tag.
    for (let n = 0; n < 16 && data[i] !== undefined && (data[i]! < 0x30 || data[i]! > 0x39); n++) i++;
    s.lastLineUs = Math.max(s.lastLineUs, record(data, i, now));
  } else if (data.subarray(0, B_WHO.length).equals(B_WHO)) {
    whoFrames += 1;
    // A rebuild that repeats the list does not move the time the list became what it is.
    if (!(s.who !== null && s.who.equals(data))) s.whoSinceUs = now;
    s.who = data;
  } else if (s.me === null && data.subarray(0, B_ME.length).equals(B_ME)) {
    s.me = (JSON.parse(data.toString('utf8')) as { username: string }).username;
  } else if (s.echoUs === 0 && data.subarray(0, B_ECHO.length).equals(B_ECHO)) {
    s.echoUs = now;
  }
}

function openBarertc(url: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: BareSession = { name, me: null, who: null, whoSinceUs: 0, loginSentUs: 0, echoUs: 0, lastLineUs: 0 };
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('message', (data: Buffer) => onBarertcFrame(s, data));
    ws.once('open', () => {
      sockets.push(ws);
      bareSessions.push(s);
      s.loginSentUs = nowUs();
      ws.send(JSON.stringify({ action: 'login', username: name }));
      resolve();
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('close', () => { if (!closing) closedByServer += 1; });
  });
}

async function barertcLogins(msg: Extract<WorkerRequest, { type: 'barertc-logins' }>): Promise<void> {
  const deadline = Date.now() + msg.timeoutMs;
  let error: string | null = null;
  const opening: Promise<void>[] = [];
  for (const [k, name] of msg.names.entries()) {
    const wait = msg.atUs[k]! - nowUs();
    if (wait > 1000) await sleep(wait / 1000);
    opening.push(openBarertc(msg.url, name).catch((e: unknown) => { error ??= `${name}: ${e instanceof Error ? e.message : String(e)}`; }));
  }
  // Bounded: a handshake the server never answers must not hold the reply back.
  await Promise.race([Promise.all(opening), sleep(Math.max(0, deadline - Date.now()))]);
  while ((bareSessions.length < msg.names.length || bareSessions.some((s) => s.echoUs === 0)) && Date.now() < deadline && closedByServer === 0) await sleep(5);
  const hist = new Histogram();
  let lastUs = 0;
  for (const s of bareSessions) {
    if (s.echoUs === 0) continue;
    hist.record(s.echoUs - s.loginSentUs);
    lastUs = Math.max(lastUs, s.echoUs);
  }
  const loggedIn = bareSessions.filter((s) => s.echoUs > 0).length;
  if (error === null && loggedIn < msg.names.length) error = `${msg.names.length - loggedIn} login sequences unfinished after ${msg.timeoutMs} ms (${msg.names.length - bareSessions.length} sockets not open, ${closedByServer} closed by the server)`;
  reply({ type: 'logged-in', loggedIn, renamed: bareSessions.filter((s) => s.me !== null && s.me !== s.name).length, lastUs, hist: hist.sparse(), error });
}

/** Why a socket's latest who list is not `expected` (sorted), or null when it is. */
function whoProblem(s: BareSession, expected: readonly string[]): string | null {
  if (s.who === null) return 'no who list';
  const entries = (JSON.parse(s.who.toString('utf8')) as { whoList: Array<{ username: string; status: unknown; video: unknown; op: unknown; loginAt: unknown }> }).whoList;
  // Every bench user is a fresh guest: online, no camera, no operator, a login time (§4.4).
  const odd = entries.find((e) => e.status !== 'online' || e.video !== 0 || e.op !== false || typeof e.loginAt !== 'number');
  if (odd) return `entry ${JSON.stringify(odd)} is not a fresh guest's`;
  const list = entries.map((e) => e.username);
  if (list.length === expected.length && list.every((u, k) => u === expected[k])) return null;
  const got = new Set(list);
  const missing = expected.filter((u) => !got.has(u));
  const want = new Set(expected);
  const extra = list.filter((u) => !want.has(u));
  return `${list.length} entries, ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} unexpected (${extra.slice(0, 3).join(', ')})${missing.length + extra.length === 0 ? ', out of order' : ''}`;
}

async function whoCheck(msg: Extract<WorkerRequest, { type: 'who-check' }>): Promise<void> {
  const deadline = Date.now() + msg.timeoutMs;
  // BareRTC sorts who lists by username (§4.4); the check compares in that order.
  const expected = [...msg.expected].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Only lists that changed since the last pass are parsed again.
  const checked = new Map<BareSession, Buffer | null>();
  const ok = new Set<BareSession>();
  // Parsing 500 lists of 1,000 users holds this process's core for ~0.5 s: the lobby lines still
  // on their way would be timed late by the check itself. First wait for the last line to reach
  // every socket that had logged in before it was sent.
  const waiting = (s: BareSession): boolean => s.echoUs > 0 && s.echoUs < msg.lastLineUs && s.lastLineUs < msg.lastLineUs;
  while (bareSessions.some(waiting) && Date.now() < deadline) await sleep(5);
  for (;;) {
    for (const s of bareSessions) {
      if (checked.has(s) && checked.get(s) === s.who) continue;
      checked.set(s, s.who);
      if (whoProblem(s, expected) === null) ok.add(s);
      else ok.delete(s);
      // ~1 ms per list: who lists still arriving are read (and timed) between two, not after all.
      await yieldToFrames();
    }
    if (ok.size === bareSessions.length || Date.now() >= deadline) break;
    await sleep(50);
  }
  const wrong = bareSessions.find((s) => !ok.has(s));
  const sample = wrong ? `${wrong.name}: ${whoProblem(wrong, expected)}` : null;
  const settledUs = Math.max(0, ...[...ok].map((s) => s.whoSinceUs));
  reply({ type: 'who', sockets: bareSessions.length, complete: ok.size, noWho: bareSessions.filter((s) => s.who === null).length, settledUs, whoFrames, sample });
}

async function collect(msg: Extract<WorkerRequest, { type: 'collect' }>): Promise<void> {
  const deadline = Date.now() + msg.timeoutMs;
  const target = msg.perSocket * sockets.length;
  while ((steps.get(msg.step)?.count ?? 0) < target && Date.now() < deadline) await sleep(5);
  const s = steps.get(msg.step);
  steps.delete(msg.step);
  reply({ type: 'stats', closedByServer, stats: { step: msg.step, count: s?.count ?? 0, lastArrivalUs: s?.lastArrivalUs ?? 0, hist: s?.hist.sparse() ?? [] } });
}

async function closeAll(): Promise<void> {
  closing = true;
  const closed = sockets.map((ws) => new Promise<void>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.close();
  }));
  await Promise.race([Promise.all(closed), sleep(5000)]);
  for (const ws of sockets) ws.terminate();
  reply({ type: 'closed' });
  process.disconnect?.();
}

process.on('disconnect', () => process.exit(0));
process.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'connect') void connect(msg);
  else if (msg.type === 'connect-list') void connectList(msg);
  else if (msg.type === 'write') void write(msg);
  else if (msg.type === 'collect') void collect(msg);
  else if (msg.type === 'barertc-logins') void barertcLogins(msg);
  else if (msg.type === 'who-check') void whoCheck(msg);
  else void closeAll();
});
