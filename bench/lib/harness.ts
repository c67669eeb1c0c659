import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { Child, type ChildOptions } from './child.js';
import type { ServerReply, ServerRequest, WorkerReply, WorkerRequest } from './ipc.js';

export type ServerChild = Child<ServerRequest, ServerReply>;
export type WorkerChild = Child<WorkerRequest, WorkerReply>;
/** `bare` broadcasts to every socket; `bare-rooms` only to the sockets of the sender's URL path. */
export type ServerKind = 'parley' | 'bare' | 'bare-rooms';

const cleanups: Array<() => Promise<void> | void> = [];

/** Run `fn` bounded by `limitMs`; whatever it started is stopped afterwards, even on error or Ctrl-C. */
export async function runBench(name: string, limitMs: number, fn: () => Promise<void>): Promise<void> {
  let code = 0;
  const watchdog = setTimeout(() => {
    console.error(`${name}: gave up after ${limitMs / 1000} s`);
    void cleanup().finally(() => process.exit(3));
  }, limitMs);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  try {
    await fn();
  } catch (e) {
    console.error(`${name} failed:`, e);
    code = 1;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
  process.exit(code);
}

/** Register a cleanup step; steps run last-in first-out. */
export const onCleanup = (step: () => Promise<void> | void): void => void cleanups.push(step);

async function cleanup(from = 0): Promise<void> {
  for (const step of cleanups.splice(from).reverse()) {
    try { await step(); } catch (e) { console.error('cleanup step failed:', e); }
  }
}

/** Run `fn`, then stop whatever it started (its cleanup steps only), even when it throws. */
export async function scoped<T>(fn: () => Promise<T>): Promise<T> {
  const mark = cleanups.length;
  try {
    return await fn();
  } finally {
    await cleanup(mark);
  }
}

/**
 * CPU placement on a multi-core machine: the server alone on CPU 0, clients (and this process)
 * on the others, so client load never steals the server's core. BENCH_PIN=0 turns it off.
 */
export function placement(): { server: string | null; clients: string | null } {
  const n = cpus().length;
  if (process.env['BENCH_PIN'] === '0' || n < 2) return { server: null, clients: null };
  try {
    const clients = n === 2 ? '1' : `1-${n - 1}`;
    execFileSync('taskset', ['-a', '-p', '-c', clients, String(process.pid)], { stdio: 'ignore' });
    return { server: '0', clients };
  } catch {
    return { server: null, clients: null };
  }
}

/** Start a server child and wait for its URL. Parley gets a fresh temp dir (removed at cleanup). */
export async function startServer(kind: ServerKind, options: ChildOptions = {}): Promise<{ child: ServerChild; url: string }> {
  let args: string[] = [kind];
  if (kind === 'parley') {
    const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    args = [kind, dir];
  }
  // BENCH_SERVER_FLAGS adds Node flags to the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env['BENCH_SERVER_FLAGS'] ?? '').split(' ').filter(Boolean);
  const child: ServerChild = new Child('./server-child.ts', { ...options, args, nodeFlags: [...(options.nodeFlags ?? []), ...extra] });
  onCleanup(() => child.stop({ type: 'stop' }, 30_000));
  const ready = await child.next('ready', 30_000);
  return { child, url: ready.url };
}

/** BENCH_WORKER_FLAGS adds Node flags to the client workers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/wprof". */
const workerFlags = (process.env['BENCH_WORKER_FLAGS'] ?? '').split(' ').filter(Boolean);

/** Start `n` client workers. */
export function startWorkers(n: number, options: ChildOptions = {}): WorkerChild[] {
  return Array.from({ length: n }, () => {
    const w: WorkerChild = new Child('./client-worker.ts', { ...options, nodeFlags: [...(options.nodeFlags ?? []), ...workerFlags] });
    onCleanup(() => w.stop({ type: 'close' }, 10_000));
    return w;
  });
}

/** Server CPU time (user + system) in µs, as the child itself reports it. */
export async function serverCpuUs(child: ServerChild): Promise<number> {
  const r = await child.request({ type: 'cpu' }, 'cpu', 30_000);
  return r.user + r.system;
}

let clockTicks: number | undefined;

/**
 * CPU time the whole machine spent busy (all CPUs, /proc/stat) in µs. Minus our own processes'
 * CPU, it shows how much other work ran during a measurement (the machine may be shared).
 */
export function machineBusyUs(): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1e6) / clockTicks;
  } catch {
    return 0;
  }
}

/** CPU time of a child process in µs from /proc/<pid>/stat (clock-tick resolution); 0 if unreadable. */
export function procCpuUs(pid: number | undefined): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks; // utime + stime
  } catch {
    return 0;
  }
}

/** Open `total` sockets spread evenly over the workers; resolves to the slowest worker's time in ms. */
export async function connectAll(workers: readonly WorkerChild[], url: string, total: number, protocols: readonly (string | null)[], timeoutMs: number): Promise<number> {
  const replies = await Promise.all(workers.map((w, i) => {
    const count = Math.floor(total / workers.length) + (i < total % workers.length ? 1 : 0);
    return w.request({ type: 'connect', url, count, protocols, concurrency: 64 }, 'connected', timeoutMs);
  }));
  const failed = replies.find((r) => r.error !== null);
  if (failed) throw new Error(`could not open all sockets: ${failed.error}`);
  return Math.max(...replies.map((r) => r.ms));
}
