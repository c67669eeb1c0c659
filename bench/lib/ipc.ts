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
  /**
   * Open one socket per entry (its own URL and subprotocol, null for none), at most `concurrency`
   * handshakes at a time; entries with `writer` send when a `write` asks. Replies `connected`.
   */
  | { readonly type: 'connect-list'; readonly sockets: readonly SocketSpec[]; readonly concurrency: number }
  /**
   * Every writer socket sends `ratePerSocket` frames/s `{"text":"<step>:<sendTimeUs>"}` for `ms`,
   * the writers' sends interleaved evenly in time (offer()'s pacing at their total rate).
   * Replies `written` after the last send.
   */
  | { readonly type: 'write'; readonly step: number; readonly ratePerSocket: number; readonly ms: number }
  /** Reply once every open socket has `perSocket` frames of `step`, or after `timeoutMs`. */
  | { readonly type: 'collect'; readonly step: number; readonly perSocket: number; readonly timeoutMs: number }
  /**
   * BareRTC (reference/barertc.md §4.5): open one socket per name at its time `atUs[k]`
   * (CLOCK_MONOTONIC µs, see nowUs) and send `{"action":"login","username":name}` as soon as it is
   * open; reply once every login sequence has ended with its `echo`, or after `timeoutMs`.
   */
  | { readonly type: 'barertc-logins'; readonly url: string; readonly names: readonly string[]; readonly atUs: readonly number[]; readonly timeoutMs: number }
  /**
   * Compare every BareRTC socket's latest `who` list with `expected` (usernames); wait until all
   * match or `timeoutMs`. Starts once the lobby line sent at `lastLineUs` has reached every socket
   * logged in before then (or at the timeout).
   */
  | { readonly type: 'who-check'; readonly expected: readonly string[]; readonly lastLineUs: number; readonly timeoutMs: number }
  | { readonly type: 'close' };

/** One socket of a `connect-list`. */
export interface SocketSpec { readonly url: string; readonly protocol: string | null; readonly writer: boolean }

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
  /** `sent` frames per writer socket, the first sent at `startUs` and the last at `lastUs` (see nowUs). */
  | { readonly type: 'written'; readonly sent: number; readonly writers: number; readonly startUs: number; readonly lastUs: number }
  /**
   * `loggedIn` sockets got their whole login sequence (me … echo); `renamed` were given another
   * name than they asked for; `hist` is login sent → `echo` received; `lastUs` the last `echo`.
   */
  | { readonly type: 'logged-in'; readonly loggedIn: number; readonly renamed: number; readonly lastUs: number; readonly hist: ReadonlyArray<readonly [number, number]>; readonly error: string | null }
  /**
   * `complete` sockets hold a latest `who` list with exactly the expected usernames, since
   * `settledUs` at the latest (the arrival of the first of the identical lists that ended each
   * socket's storm); `sample` describes one socket that does not.
   */
  | { readonly type: 'who'; readonly sockets: number; readonly complete: number; readonly noWho: number; readonly settledUs: number; readonly whoFrames: number; readonly sample: string | null }
  | { readonly type: 'closed' };

/** The current time in µs on CLOCK_MONOTONIC: comparable across processes of this machine. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
