/**
 * Parallel uploads: server RSS while 16 TrueConf uploads of 19 MiB arrive at once
 * (`POST /bridge/api/client/v1/files`, reference/trueconf.md §6.2). Usage: npm run bench:uploads
 * (README.md). BENCH_UPLOADS and BENCH_UPLOAD_MIB change the count and the size.
 */
import { readFileSync } from 'node:fs';
import { registerAndLogin } from './lib/connor.js';
import { placement, runBench, startServer } from './lib/harness.js';
import { fmt, printTable } from './lib/table.js';
import { connectBot, trueconfToken } from './lib/trueconf.js';

const UPLOADS = Number(process.env['BENCH_UPLOADS'] ?? 16);
const SIZE = Number(process.env['BENCH_UPLOAD_MIB'] ?? 19) * 1024 * 1024;

/** VmRSS and VmHWM (peak RSS) of a process in bytes, from /proc. */
function procMem(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** One upload as python-trueconf-bot sends it: multipart field `file`, header Upload-Task-Id. */
async function upload(url: string, taskId: string, bytes: Uint8Array, i: number): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), `bench-${i}.bin`);
  const res = await fetch(`${url}/bridge/api/client/v1/files`, { method: 'POST', headers: { 'Upload-Task-Id': taskId }, body: form });
  await res.arrayBuffer();
  return res.status;
}

const mb = (bytes: number): string => fmt(bytes / 1024 / 1024, 1);

await runBench('bench:uploads', 175_000, async () => {
  const pin = placement();
  console.log(`upload bench: ${UPLOADS} parallel uploads of ${mb(SIZE)} MiB to one node (SQLite)`);
  const { child, url } = await startServer('parley', { cpus: pin.server, nodeFlags: ['--expose-gc'] });
  const pid = child.proc.pid!;
  await registerAndLogin(url, 'uploader'); // connor registration: the account the bot logs in as
  const bot = await connectBot(url, await trueconfToken(url, 'uploader', 'uploader-bench-secret'));
  const tasks: string[] = [];
  for (let i = 0; i < UPLOADS; i++) tasks.push(String((await bot.request('uploadFile', { fileSize: SIZE, fileName: `bench-${i}.bin` }))['uploadTaskId']));
  const before = await child.request({ type: 'mem', conns: 1, timeoutMs: 10_000 }, 'mem', 30_000);
  const peakBefore = procMem(pid).peak;
  const bytes = new Uint8Array(SIZE).fill(7);
  let sampledPeak = 0;
  const sampler = setInterval(() => { sampledPeak = Math.max(sampledPeak, procMem(pid).rss); }, 20);
  const started = performance.now();
  const statuses = await Promise.all(tasks.map((t, i) => upload(url, t, bytes, i)));
  const elapsed = performance.now() - started;
  clearInterval(sampler);
  const peakAfter = procMem(pid).peak;
  const after = await child.request({ type: 'mem', conns: 1, timeoutMs: 10_000 }, 'mem', 30_000);
  bot.close();
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  printTable(`Server memory, ${UPLOADS} × ${mb(SIZE)} MiB uploads in parallel`,
    ['answers', 'time s', 'RSS before MB', 'peak RSS during MB', 'VmHWM before → after MB', 'RSS after (GC) MB'],
    [[[...counts].map(([s, n]) => `${n}× ${s}`).join(', '), fmt(elapsed / 1000, 1), mb(before.rss), mb(Math.max(sampledPeak, before.rss)), `${mb(peakBefore)} → ${mb(peakAfter)}`, mb(after.rss)]]);
});
