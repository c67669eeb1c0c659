import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Real `node bin/parley.js` child processes for CLI and e2e tests. bin/ runs the compiled dist/,
 * which test/helpers/build-once.ts (vitest globalSetup) refreshes before the suite.
 * Every child is registered so that `killChildren()` in afterEach/afterAll stops whatever a failed
 * test left running.
 */

export const BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

const children = new Set<ChildProcess>();

/** The test runner's environment without any PARLEY_* variable (a developer's shell must not leak in), plus `env`. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PARLEY_')));
  return { ...clean, ...env };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Another account to run the CLI as (only root may ask for one). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

function spawnCli(args: readonly string[], env: Record<string, string>, cwd: string, runAs?: RunAs): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'], ...runAs });
  children.add(child);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  // A child that exits before reading its stdin must not crash the runner with EPIPE.
  child.stdin?.on('error', () => undefined);
  return { child, exited };
}

export interface CliResult extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run one CLI command to completion. stdin receives `input` (or nothing) and is then closed.
 * `runAs` runs it under another account (e.g. nobody, when root's permissions would hide the test's point).
 */
export async function runCli(args: readonly string[], options: { env: Record<string, string>; input?: string; cwd?: string; runAs?: RunAs }): Promise<CliResult> {
  const { child, exited } = spawnCli(args, options.env, options.cwd ?? tmpdir(), options.runAs);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.end(options.input ?? '');
  const exit = await exited;
  return { ...exit, stdout, stderr };
}

/** A running `parley serve`. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:PORT, from the "listening" log line. */
  readonly url: string;
  /** ws://127.0.0.1:PORT */
  readonly wsUrl: string;
  /** Every stdout line so far, parsed as JSON (pino). */
  readonly logs: readonly Record<string, unknown>[];
  readonly stderr: () => string;
  readonly exited: Promise<Exit>;
  /** Send `signal` and resolve with the exit status. */
  stop(signal: NodeJS.Signals): Promise<Exit>;
}

/**
 * Spawn `parley serve` and resolve once its "parley listening on …" line has been logged. Rejects
 * (with its stderr) if the process exits first or the line does not come within `timeoutMs`.
 */
export async function startServe(env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const { child, exited } = spawnCli(['serve'], env, options.cwd ?? tmpdir());
  child.stdin?.end();
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not log "listening" within ${options.timeoutMs ?? 20_000} ms; stderr: ${stderr}`)), options.timeoutMs ?? 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line, unparsed: true };
      }
      logs.push(entry);
      if (typeof entry['msg'] === 'string' && entry['msg'].startsWith('parley listening on ') && typeof entry['url'] === 'string') {
        clearTimeout(timer);
        resolve(entry['url']);
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${exit.code ?? exit.signal}) before listening; stderr: ${stderr}; stdout: ${JSON.stringify(logs)}`));
    }, reject);
  });
  try {
    const url = await listening;
    return {
      child,
      url,
      wsUrl: url.replace(/^http/, 'ws'),
      logs,
      stderr: () => stderr,
      exited,
      stop(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    throw e;
  }
}

/** SIGKILL every child still running and wait for them to go. */
export async function killChildren(): Promise<void> {
  await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('close', () => resolve());
    child.kill('SIGKILL');
  })));
  children.clear();
}

/** A fresh temp directory; the caller removes it (see `removeDirs`). */
export async function makeTempDir(prefix = 'parley-cli-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** Remove every directory in `dirs` and empty the list. */
export async function removeDirs(dirs: string[]): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
