import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker copies the write-ahead log into the database file. */
const DEFAULT_INTERVAL_MS = 1000;

/** What one `PRAGMA wal_checkpoint(PASSIVE)` reported. */
export interface CheckpointResult {
  /** 1 when another connection held a lock the checkpoint needed (it then copied less). */
  readonly busy: number;
  /** Frames in the log. */
  readonly log: number;
  /** Of those, frames now in the database file. */
  readonly checkpointed: number;
}

export interface Checkpointer {
  /** Checkpoint now (tests; shutdown). Rejects if the worker is gone. */
  checkpoint(): Promise<CheckpointResult>;
  /** A last checkpoint, then the worker's connection closes and the thread ends. */
  stop(): Promise<void>;
}

/**
 * The worker's whole program (CommonJS, run with `eval`, so it needs no build step): its own
 * connection to the same file, checkpointing every `intervalMs` and on request.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
const timer = setInterval(() => {
  try { checkpoint(); } catch (e) { parentPort.postMessage({ type: 'error', message: String(e && e.message || e) }); }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  try {
    const result = checkpoint();
    if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); }
    else parentPort.postMessage({ type: 'result', result });
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String(e && e.message || e) });
    if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); }
  }
});
`;

/**
 * Checkpoints of the SQLite write-ahead log, in a worker thread. A checkpoint copies the log into
 * the database file and fsyncs it; run by the connection that commits (SQLite's default, every
 * 1,000 pages) it stalled the event loop 150–200 ms now and then on this machine's disk, holding
 * every chat frame back for as long. The serving connection turns its automatic checkpoints off
 * (`wal_autocheckpoint = 0`) and this thread's own connection does them instead: PASSIVE
 * checkpoints never block the writer, and the writer restarts the log once one has copied it all.
 * If the worker fails, `onFailure` runs once (the caller turns automatic checkpoints back on).
 */
export function startCheckpointer(file: string, onFailure: (error: Error) => void, intervalMs = DEFAULT_INTERVAL_MS): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  worker.unref(); // never what keeps a process alive
  const waiting: { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }[] = [];
  let failed: Error | null = null;
  const fail = (error: Error): void => {
    if (failed) return;
    failed = error;
    for (const w of waiting.splice(0)) w.reject(error);
    void worker.terminate();
    onFailure(error);
  };
  worker.on('message', (m: { type: 'result'; result: CheckpointResult } | { type: 'error'; message: string }) => {
    if (m.type === 'result') waiting.shift()?.resolve(m.result);
    else fail(new Error(`SQLite checkpoint failed: ${m.message}`));
  });
  worker.on('error', (e) => fail(e));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exited.then(() => fail(new Error('SQLite checkpoint worker exited')));
  return {
    checkpoint() {
      if (failed) return Promise.reject(failed);
      return new Promise<CheckpointResult>((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage('checkpoint');
      });
    },
    stop() {
      if (failed === null) {
        failed = new Error('SQLite checkpoint worker stopped');
        worker.ref(); // whoever awaits the stop keeps the process alive until the worker is done
        worker.postMessage('stop');
      }
      return exited;
    },
  };
}
