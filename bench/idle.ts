/**
 * Idle connections: server RSS growth per open, authenticated connor socket, against a bare `ws`
 * server holding the same number of sockets. Usage: npm run bench:idle (README.md)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { registerAndLogin, roomUrl } from './lib/connor.js';
import { connectAll, placement, runBench, scoped, startServer, startWorkers, type ServerKind } from './lib/harness.js';
import type { ServerReply } from './lib/ipc.js';
import { fmt, printTable } from './lib/table.js';

const WANTED = 10_000;
const USERS = 5;
const WORKERS = 2;
/** Descriptors a process needs beyond its sockets (stdio, IPC, SQLite, epoll, libuv…). */
const FD_HEADROOM = 256;
const BUDGET_KB = 10;

type Mem = Extract<ServerReply, { type: 'mem' }>;
interface Result { readonly kind: ServerKind; readonly conns: number; readonly connectMs: number; readonly before: Mem; readonly after: Mem }

/** How many sockets this machine lets us open, and the soft limit children must be raised to. */
function limits(): { conns: number; nofile: number | undefined; notes: string[] } {
  const [soft, hard] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n').map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const ports = (hi ?? 0) - (lo ?? 0) + 1;
  const notes = [`fd limit: soft ${soft}, hard ${hard}; ephemeral ports: ${ports}`];
  let conns = WANTED;
  const hardLimit = hard ?? 0;
  if (hardLimit < WANTED + FD_HEADROOM) {
    conns = Math.max(0, Math.floor((hardLimit - FD_HEADROOM) / 1000) * 1000);
    notes.push(`WARNING: the hard fd limit (${hard}) is too low for ${WANTED} connections; a process cannot raise its own hard limit. ` +
      `Measuring ${conns} instead. Raise it as root (ulimit -Hn ${WANTED + FD_HEADROOM}, or LimitNOFILE= for a service) to measure ${WANTED}.`);
  }
  if (ports < conns + 1000) notes.push(`WARNING: only ${ports} ephemeral ports for ${conns} client sockets.`);
  const need = conns + FD_HEADROOM;
  return { conns, nofile: (soft ?? 0) < need ? need : undefined, notes };
}

async function measure(kind: ServerKind, conns: number, tokens: readonly string[] | null, nofile: number | undefined, pin: ReturnType<typeof placement>): Promise<Result & { tokens: readonly string[] }> {
  return scoped(async () => {
    const opts = { cpus: pin.server, nodeFlags: ['--expose-gc'], ...(nofile === undefined ? {} : { nofile }) };
    const { child, url } = await startServer(kind, opts);
    const own = tokens ?? await Promise.all(Array.from({ length: USERS }, (_, i) => registerAndLogin(url, `idle${i}`)));
    const before = await child.request({ type: 'mem', conns: 0, timeoutMs: 10_000 }, 'mem', 30_000);
    const workers = startWorkers(WORKERS, { cpus: pin.clients, ...(nofile === undefined ? {} : { nofile }) });
    console.log(`  ${kind}: opening ${fmt(conns)} sockets…`);
    const connectMs = await connectAll(workers, roomUrl(url, 'idle'), conns, own, 150_000);
    const after = await child.request({ type: 'mem', conns, timeoutMs: 60_000 }, 'mem', 90_000);
    console.log(`  ${kind}: ${fmt(conns)} sockets open in ${fmt(connectMs / 1000, 1)} s; closing…`);
    return { kind, conns, connectMs, before, after, tokens: own };
  });
}

const kb = (bytes: number): string => fmt(bytes / 1024, 2);
const mb = (bytes: number): string => fmt(bytes / 1024 / 1024, 1);
const perConn = (r: Result, key: 'rss' | 'heapUsed' | 'external'): number => (r.after[key] - r.before[key]) / r.conns;

await runBench('bench:idle', 175_000, async () => {
  const { conns, nofile, notes } = limits();
  const pin = placement();
  console.log(`idle-connection bench: ${fmt(conns)} authenticated sockets (${USERS} accounts) from ${WORKERS} worker processes`);
  for (const n of notes) console.log(n);
  if (conns === 0) throw new Error('fd limit too low to open any connections');
  // Parley first: its JWTs are reused, unchecked, by the bare server's clients, so both see the same handshakes.
  const parley = await measure('parley', conns, null, nofile, pin);
  const bare = await measure('bare', conns, parley.tokens, nofile, pin);
  const gc = parley.after.gc && bare.after.gc ? 'after forced GC' : 'WITHOUT forced GC (--expose-gc missing)';
  printTable(`Server memory, ${fmt(conns)} idle sockets, ${gc}`,
    ['server', 'open', 'connect time s', 'conns/s', 'RSS before MB', 'RSS after MB', 'RSS KB/conn', 'JS heap KB/conn', 'external KB/conn'],
    [bare, parley].map((r) => [r.kind === 'bare' ? 'bare ws' : 'Parley', fmt(r.after.conns), fmt(r.connectMs / 1000, 1), fmt(r.conns / (r.connectMs / 1000)), mb(r.before.rss), mb(r.after.rss), kb(perConn(r, 'rss')), kb(perConn(r, 'heapUsed')), kb(perConn(r, 'external'))]));
  const diff = (perConn(parley, 'rss') - perConn(bare, 'rss')) / 1024;
  printTable('Summary', ['metric', 'value', 'target', 'met'], [
    ['Parley − bare ws, RSS KB per connection', fmt(diff, 2), `≤ ${BUDGET_KB} KB`, diff <= BUDGET_KB ? 'yes' : 'NO'],
  ]);
});
