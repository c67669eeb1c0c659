import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Vitest globalSetup: compile src/ to dist/ once before the suite, because the CLI and e2e tests
 * spawn `node bin/parley.js`, which runs the compiled code. Equivalent to
 * `npx tsc -p tsconfig.build.json`, without npx's start-up cost.
 *
 * tsc exits 2 when it found type errors but still wrote the output. That is reported and the run
 * goes on (`npm test` typechecks separately, and a colleague's half-finished file elsewhere in
 * src/ should not block every test); any other failure stops the run.
 */
export default async function buildOnce(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const { code, stdout } = e as { code?: unknown; stdout?: string };
    if (code !== 2) throw new Error(`build-once: tsc -p tsconfig.build.json failed (exit ${String(code)})\n${stdout ?? ''}`, { cause: e });
    process.stderr.write(`build-once: tsc reported type errors; dist/ was written anyway\n${stdout ?? ''}\n`);
  }
}
