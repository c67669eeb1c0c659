import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './wait.js';

/**
 * A real nginx for tests, configured from deploy/nginx.conf itself: `renderNginxConfig` swaps in
 * test addresses and ports, and `startNginx` runs it in the foreground with every file it writes
 * (pid, logs, temp bodies) inside a temp dir. Debian's nginx (`nginx-light`) is what .ci/run
 * installs.
 */

/** Debian's nginx binary, or null when it is not installed. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;

const inCI = process.env['CI'] === 'true' || process.env['CI'] === '1';

/** Whether the nginx suites run: skip without nginx, except under CI, where its absence fails. */
export function nginxAvailable(): boolean {
  if (NGINX === null && inCI) throw new Error('nginx is not installed but CI=true requires it (.ci/run installs nginx-light)');
  return NGINX !== null;
}

/** What a test changes in deploy/nginx.conf. */
export interface NginxRender {
  /** Upstream name → its servers (host:port); every upstream of the file must be given. */
  readonly upstreams: Readonly<Record<string, readonly string[]>>;
  /** Port of a `listen` line in the file → the port nginx listens on, on 127.0.0.1. */
  readonly ports: Readonly<Record<number, number>>;
  /** The certificate pair to serve, or null to serve plain HTTP on the `ssl` ports. */
  readonly tls: { readonly cert: string; readonly key: string } | null;
  /** Uncomment the real_ip lines with this address: nginx then trusts the test client as a load balancer. */
  readonly realIpFrom?: string;
  /** Temp dir for logs and request bodies. */
  readonly dir: string;
}

/** Replace with `fn` every match of `re` in `text`; throw when there is none (the file changed shape). */
function replaceAll(text: string, re: RegExp, what: string, fn: (...m: string[]) => string): string {
  let count = 0;
  const out = text.replace(re, (...m: unknown[]) => {
    count++;
    return fn(...(m.filter((x) => typeof x === 'string' || x === undefined) as string[]));
  });
  if (count === 0) throw new Error(`deploy/nginx.conf: found no ${what} to render for the test`);
  return out;
}

/** deploy/nginx.conf with the test's upstreams, ports, certificate and temp paths. */
export function renderNginxConfig(template: string, r: NginxRender): string {
  const seen = new Set<string>();
  let conf = replaceAll(template, /upstream\s+(\w+)\s*\{([^}]*)\}/g, 'upstream block', (whole, name, body) => {
    const servers = r.upstreams[name!];
    if (servers === undefined) throw new Error(`deploy/nginx.conf: upstream ${name!} has no test servers`);
    seen.add(name!);
    const indent = /\n(\s*)server\s/.exec(body!)?.[1] ?? '    ';
    const others = body!.replace(/\n\s*server\s+[^;]+;/g, '');
    return whole!.replace(body!, `${servers.map((s) => `\n${indent}server ${s};`).join('')}${others}`);
  });
  for (const name of Object.keys(r.upstreams)) if (!seen.has(name)) throw new Error(`deploy/nginx.conf: no upstream ${name}`);
  conf = replaceAll(conf, /^(\s*)listen\s+(\d+)(\s+ssl)?;/gm, 'listen line', (_w, indent, port, ssl) => {
    const to = r.ports[Number(port)];
    if (to === undefined) throw new Error(`deploy/nginx.conf: listen ${port!} has no test port`);
    return `${indent!}listen 127.0.0.1:${to}${ssl && r.tls ? ' ssl' : ''};`;
  });
  conf = replaceAll(conf, /^(\s*)(ssl_certificate(?:_key)?)\s+[^;]+;/gm, 'ssl_certificate line', (_w, indent, directive) =>
    r.tls ? `${indent!}${directive!} ${directive === 'ssl_certificate' ? r.tls.cert : r.tls.key};` : '');
  if (r.tls === null) conf = conf.replace(/^\s*ssl_\w+\s+[^;]+;\n/gm, '');
  if (r.realIpFrom !== undefined) {
    conf = replaceAll(conf, /^(\s*)#\s*set_real_ip_from\s+[^;]+;/gm, 'commented set_real_ip_from', (_w, indent) => `${indent!}set_real_ip_from ${r.realIpFrom!};`);
    conf = replaceAll(conf, /^(\s*)#\s*(real_ip_(?:header|recursive)\s+[^;]+;)/gm, 'commented real_ip lines', (_w, indent, line) => `${indent!}${line!}`);
  }
  conf = replaceAll(conf, /^worker_processes\s+\w+;/m, 'worker_processes', () => 'worker_processes 1;');
  // Everything nginx would write under /var goes to the temp dir instead.
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(r.dir, t)};`).join('\n');
  return replaceAll(conf, /^http\s*\{/m, 'http block', (w) => `${w!}\n${temp}\n  access_log ${path.join(r.dir, 'access.log')};`);
}

/** Main-context directives that keep nginx in the foreground and its files in `dir`. */
const globals = (dir: string): string =>
  `daemon off; pid ${path.join(dir, 'nginx.pid')}; error_log ${path.join(dir, 'error.log')} warn;${process.getuid?.() === 0 ? ' user root;' : ''}`;

/** `nginx -t` on a config file: exit code and what nginx printed. */
export async function nginxTest(confFile: string, dir: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stderr } = await promisify(execFile)(NGINX!, ['-t', '-p', dir, '-e', path.join(dir, 'error.log'), '-c', confFile, '-g', globals(dir)]);
    return { ok: true, output: stderr };
  } catch (e) {
    return { ok: false, output: String((e as { stderr?: string }).stderr ?? e) };
  }
}

/** A running nginx. */
export interface RunningNginx {
  /** Stop nginx (fast shutdown) and wait for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (nginx cannot listen on port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => { sock.destroy(); resolve(); });
    sock.once('error', reject);
  });

/** Write `config` into `dir`, start nginx on it and wait until every port in `ports` accepts connections. */
export async function startNginx(config: string, dir: string, ports: readonly number[]): Promise<RunningNginx> {
  const confFile = path.join(dir, 'nginx.conf');
  await writeFile(confFile, config);
  const child: ChildProcess = spawn(NGINX!, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', confFile, '-g', globals(dir)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  await eventually(async () => {
    if (gone) throw Object.assign(new Error(`nginx exited at start: ${stderr}`), { fatal: true });
    await Promise.all(ports.map(accepts));
  }, 10_000, 20).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  let stopped: Promise<void> | undefined;
  return {
    stop: () => (stopped ??= (async () => {
      if (!gone) child.kill('SIGTERM');
      await exited;
    })()),
  };
}
