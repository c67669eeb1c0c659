/**
 * A client process holding many WebSockets (ipc.ts WorkerRequest). Every received frame whose text
 * is `<step>:<sendTimeUs>` counts as one delivery of that step, with its publish→delivery
 * latency; the text is found by scanning bytes, so the client spends little CPU per frame.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { Histogram } from './histogram.js';
import { nowUs, type WorkerReply, type WorkerRequest } from './ipc.js';

interface Step { count: number; lastArrivalUs: number; readonly hist: Histogram }

const sockets: WebSocket[] = [];
const steps = new Map<number, Step>();
let closing = false;
let closedByServer = 0;
const reply = (m: WorkerReply): void => void process.send?.(m);
const MARK = Buffer.from('"text":"');
const COLON = 0x3a;
const QUOTE = 0x22;

function onFrame(data: Buffer): void {
  const now = nowUs();
  let i = data.indexOf(MARK);
  if (i < 0) return;
  i += MARK.length;
  let step = 0;
  for (let c = data[i]; c !== undefined && c !== COLON; c = data[++i]) step = step * 10 + c - 48;
  let sent = 0;
  for (let c = data[++i]; c !== undefined && c !== QUOTE; c = data[++i]) sent = sent * 10 + c - 48;
  let s = steps.get(step);
  if (!s) steps.set(step, (s = { count: 0, lastArrivalUs: 0, hist: new Histogram() }));
  s.count += 1;
  s.lastArrivalUs = now;
  s.hist.record(now - sent);
}

function open(url: string, protocol: string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = protocol === null
      ? new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
      : new WebSocket(url, protocol, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('message', onFrame);
    ws.once('open', () => { sockets.push(ws); resolve(); });
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
  else if (msg.type === 'collect') void collect(msg);
  else void closeAll();
});
