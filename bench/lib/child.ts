import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How to start a child: which bench/lib file, its argv, its Node flags, and its CPU. */
export interface ChildOptions {
  readonly args?: readonly string[];
  /** Extra Node flags (e.g. --expose-gc); `--import tsx` is always added. */
  readonly nodeFlags?: readonly string[];
  /** `taskset -c` CPU list, or null to leave the scheduler free. */
  readonly cpus?: string | null;
  /** Raise the soft fd limit to this before exec (must not exceed the hard limit). */
  readonly nofile?: number;
}

/**
 * A Node child with an IPC channel, speaking request/reply messages with a `type` field.
 * Requests wait for the next message of the reply type, bounded by a timeout; a child that exits
 * rejects every waiter. `kill()` is safe to call at any time.
 */
export class Child<Req extends { type: string }, Rep extends { type: string }> {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  #waiters: Array<{ type: string; resolve: (m: Rep) => void; reject: (e: Error) => void }> = [];

  constructor(file: string, options: ChildOptions = {}) {
    const script = fileURLToPath(new URL(file, import.meta.url));
    let argv = [process.execPath, '--import', 'tsx', ...(options.nodeFlags ?? []), script, ...(options.args ?? [])];
    if (options.cpus) argv = ['taskset', '-c', options.cpus, ...argv];
    if (options.nofile !== undefined) argv = ['sh', '-c', 'ulimit -Sn "$0" && exec "$@"', String(options.nofile), ...argv];
    this.proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m: Rep) => {
      const i = this.#waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => {
      for (const w of this.#waiters.splice(0)) w.reject(new Error(`${file} exited (code ${code}) while we waited for '${w.type}'`));
      resolve(code);
    }));
  }

  /** The next message of this type, or a rejection after `timeoutMs`. */
  next<T extends Rep['type']>(type: T, timeoutMs: number): Promise<Extract<Rep, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}'`)), timeoutMs);
      this.#waiters.push({
        type,
        resolve: (m) => { clearTimeout(timer); resolve(m as Extract<Rep, { type: T }>); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) this.#waiters.pop()?.reject(new Error('child already exited'));
    });
  }

  /** Send a request and wait for its reply. */
  request<T extends Rep['type']>(msg: Req, reply: T, timeoutMs: number): Promise<Extract<Rep, { type: T }>> {
    const answer = this.next(reply, timeoutMs);
    this.proc.send(msg);
    return answer;
  }

  send(msg: Req): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** Ask nicely with `stop`, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(stopMsg: Req | null, graceMs: number): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (stopMsg && this.proc.connected) this.proc.send(stopMsg);
    else this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
