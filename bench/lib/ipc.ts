/**
 * The IPC messages between a bench's parent process, its server child (server-child.ts) and its
 * client workers (client-worker.ts). Every request names the reply type it waits for.
 */

/** Parent → server child. */
export type ServerRequest =
  | { readonly type: 'cpu' }
  /** Force GC (when run with --expose-gc), wait until the loop is idle and `conns` sockets are live, report memory. */
  | { readonly type: 'mem'; readonly conns: number; readonly timeoutMs: number }
  | { readonly type: 'stop' };

/** Server child → parent. */
export type ServerReply =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'cpu'; readonly user: number; readonly system: number }
  | { readonly type: 'mem'; readonly rss: number; readonly heapUsed: number; readonly external: number; readonly conns: number; readonly gc: boolean }
  | { readonly type: 'stopped' };

/** Parent → client worker. */
export type WorkerRequest =
  /**
   * Open `count` sockets to `url`; socket k offers subprotocol `protocols[k % length]` (e.g. a
   * connor JWT; null offers none), at most `concurrency` handshakes at a time.
   */
  | { readonly type: 'connect'; readonly url: string; readonly count: number; readonly protocols: readonly (string | null)[]; readonly concurrency: number }
  /** Reply once every open socket has `perSocket` frames of `step`, or after `timeoutMs`. */
  | { readonly type: 'collect'; readonly step: number; readonly perSocket: number; readonly timeoutMs: number }
  | { readonly type: 'close' };

/** Per-step delivery figures of one worker; `hist` is sparse [bucket, count] pairs (histogram.ts). */
export interface StepStats {
  readonly step: number;
  readonly count: number;
  /** process.hrtime in µs (CLOCK_MONOTONIC, shared by all processes of the machine). */
  readonly lastArrivalUs: number;
  readonly hist: ReadonlyArray<readonly [number, number]>;
}

/** Client worker → parent. */
export type WorkerReply =
  /** `error` is null when all `count` sockets opened. */
  | { readonly type: 'connected'; readonly open: number; readonly ms: number; readonly error: string | null }
  | { readonly type: 'stats'; readonly stats: StepStats; readonly closedByServer: number }
  | { readonly type: 'closed' };

/** The current time in µs on CLOCK_MONOTONIC: comparable across processes of this machine. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
