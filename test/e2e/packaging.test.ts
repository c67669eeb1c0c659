import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_SETTINGS } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { cliEnv } from '../helpers/cli-process.js';
import { NGINX, nginxAvailable, nginxTest, renderNginxConfig } from '../helpers/nginx.js';
import { startNode, type TestNode } from '../helpers/start-node.js';

/**
 * Issue 12, packaging: containers cannot be built on this machine (no daemon, no registry), so
 * the image, compose and systemd files are checked for what can be checked here: they parse,
 * every path and command they name exists, every PARLEY_* variable they set is a real setting,
 * and the tools that own the formats accept them (systemd-analyze, nginx -t, caddy validate).
 * `npm pack` is checked for real: the tarball runs `parley help` and `parley serve`.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const read = (file: string): Promise<string> => readFile(path.join(ROOT, file), 'utf8');
const dirs: string[] = [];
const tempDir = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Whether `name` is a variable Parley reads: a setting, a setting's `_FILE` form, or PARLEY_CONFIG. */
const isParleyVariable = (name: string): boolean =>
  name === 'PARLEY_CONFIG' || ENV_SETTINGS.has(name) || (name.endsWith('_FILE') && ENV_SETTINGS.has(name.slice(0, -'_FILE'.length)));

const has = (program: string): boolean => ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin'].some((d) => existsSync(path.join(d, program)));

describe('compose.yml', () => {
  type Service = {
    image?: string; build?: string; environment?: Record<string, string>; secrets?: string[]; volumes?: string[];
    depends_on?: Record<string, { condition: string }>; healthcheck?: { test: string[] }; networks?: string[];
  };
  type Compose = { services: Record<string, Service>; secrets: Record<string, { environment?: string; file?: string }>; networks: Record<string, { ipam: { config: { subnet: string }[] } }> };
  let compose: Compose;
  /** compose.env.example as compose reads .env: the values `${VAR}` takes. */
  let example: Record<string, string>;

  beforeAll(async () => {
    compose = parseYaml(await read('compose.yml'), { merge: true }) as Compose;
    example = Object.fromEntries((await read('deploy/compose.env.example')).split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  });

  /** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` with the example .env; a variable it lacks fails. */
  const interpolate = (text: string): string =>
    text.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
      const value = example[name];
      if (value !== undefined && value !== '') return value;
      if (op === '-') return arg ?? '';
      throw new Error(`compose.yml needs ${name}, which deploy/compose.env.example does not set`);
    });

  const parleys = (): [string, Service][] => Object.entries(compose.services).filter(([name]) => /^parley\d$/.test(name));

  it('runs two Parley nodes from this repository’s image, PostgreSQL 15, Redis 7 and nginx', () => {
    expect(parleys().map(([name]) => name)).toEqual(['parley1', 'parley2']);
    for (const [, s] of parleys()) {
      expect(s.build).toBe('.');
      expect(existsSync(path.join(ROOT, s.build!, 'Dockerfile'))).toBe(true);
    }
    expect(compose.services['postgres']?.image).toMatch(/^postgres:15/);
    expect(compose.services['redis']?.image).toMatch(/^redis:7/);
    expect(compose.services['proxy']?.image).toMatch(/^nginx:/);
  });

  it('mounts only files and folders that exist in the repository', () => {
    const binds = Object.values(compose.services).flatMap((s) => s.volumes ?? []).map((v) => v.split(':')[0]!).filter((src) => src.startsWith('.'));
    expect(binds).toEqual(expect.arrayContaining(['./deploy/nginx.conf', './deploy/tls']));
    for (const src of binds) expect(existsSync(path.join(ROOT, src)), src).toBe(true);
  });

  it('sets only real PARLEY_* settings, and hands every secret over as a file from a declared compose secret', () => {
    for (const [name, s] of parleys()) {
      const env = s.environment ?? {};
      for (const variable of Object.keys(env).filter((v) => v.startsWith('PARLEY_'))) expect(isParleyVariable(variable), `${name}: ${variable}`).toBe(true);
      for (const [variable, value] of Object.entries(env).filter(([v]) => v.endsWith('_FILE'))) {
        const secret = /^\/run\/secrets\/([\w-]+)$/.exec(value)?.[1];
        expect(secret, `${variable}=${value}`).toBeDefined();
        expect(s.secrets).toContain(secret);
        expect(compose.secrets[secret!], `secret ${secret!}`).toBeDefined();
      }
    }
    // The compose secrets are read from .env under the setting's own name.
    for (const secret of Object.values(compose.secrets)) expect(isParleyVariable(secret.environment ?? ''), secret.environment).toBe(true);
  });

  it('gives a node the shared database, Redis, secrets and the proxy network as trusted, as Parley loads them', async () => {
    const dir = await tempDir('parley-compose-');
    const [, node] = parleys()[0]!;
    const env: Record<string, string> = {};
    for (const [variable, raw] of Object.entries(node.environment ?? {})) {
      const secret = /^\/run\/secrets\/([\w-]+)$/.exec(raw)?.[1];
      if (secret === undefined) {
        env[variable] = interpolate(raw);
        continue;
      }
      // What compose mounts at /run/secrets/<name>: the value of the secret's .env variable.
      const file = path.join(dir, secret);
      await writeFile(file, `${example[compose.secrets[secret]!.environment!]!}\n`);
      env[variable] = file;
    }
    const config = loadConfig({ configPath: path.join(dir, 'settings.toml'), env: { ...env, PARLEY_DATA_DIR: path.join(dir, 'data') } });
    expect(config.database.url).toBe(`postgres://parley:${example['POSTGRES_PASSWORD']!}@postgres:5432/parley`);
    expect(config.redis.url).toBe('redis://redis:6379');
    expect(config.secrets.tokenKey).toBe(example['PARLEY_SECRETS_TOKEN_KEY']);
    expect(config.secrets.connorJwt).toBe(example['PARLEY_SECRETS_CONNOR_JWT']);
    expect(config.adminApiKey).toBe(example['PARLEY_ADMIN_API_KEY']);
    const subnet = compose.networks['parley']!.ipam.config[0]!.subnet;
    expect(config.server.trustedProxies).toEqual([subnet]);
    for (const [, s] of parleys()) expect(s.networks).toEqual(['parley']);
    expect(compose.services['proxy']?.networks).toEqual(['parley']);
  });

  it('starts nothing before what it needs is healthy, and every service it waits for has a health check', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(condition, `${name} → ${dep}`).toBe('service_healthy');
        // Parley's health check is the image's HEALTHCHECK (checked with the Dockerfile below).
        if (!dep.startsWith('parley')) expect(compose.services[dep]?.healthcheck?.test, dep).toBeDefined();
      }
    }
    expect(Object.keys(compose.services['proxy']?.depends_on ?? {})).toEqual(['parley1', 'parley2']);
    for (const [, s] of parleys()) expect(Object.keys(s.depends_on ?? {})).toEqual(expect.arrayContaining(['postgres', 'redis']));
    // The commands each official image ships.
    expect(compose.services['postgres']?.healthcheck?.test.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
    expect(compose.services['redis']?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });
});

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ op: l.split(/\s+/)[0]!.toUpperCase(), args: l.slice(l.indexOf(' ') + 1).trim() }));
}

describe('Dockerfile', () => {
  let steps: { op: string; args: string }[];
  let runtime: { op: string; args: string }[];
  beforeAll(async () => {
    steps = instructions(await read('Dockerfile'));
    runtime = steps.slice(steps.findLastIndex((s) => s.op === 'FROM'));
  });

  it('builds in one stage and runs from a slim Node 20 stage', () => {
    expect(steps.filter((s) => s.op === 'FROM').map((s) => s.args)).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim AS runtime']);
    // Only production dependencies reach the runtime stage.
    expect(steps.some((s) => s.op === 'RUN' && /npm prune --omit=dev/.test(s.args))).toBe(true);
  });

  it('runs as a user other than root, keeps data in the /data volume and is configured through PARLEY_* variables', () => {
    const user = runtime.filter((s) => s.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(runtime.some((s) => s.op === 'VOLUME' && s.args === '/data')).toBe(true);
    const env = runtime.filter((s) => s.op === 'ENV').flatMap((s) => [...s.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const));
    for (const [name] of env.filter(([n]) => n.startsWith('PARLEY_'))) expect(isParleyVariable(name), name).toBe(true);
    expect(Object.fromEntries(env)).toMatchObject({ PARLEY_DATA_DIR: '/data', PARLEY_CONFIG: '/data/settings.toml', PARLEY_LISTEN: '0.0.0.0:8080', PARLEY_CHATCLI_LISTEN: '0.0.0.0:8765' });
    expect(runtime.find((s) => s.op === 'ENTRYPOINT')?.args).toBe('["node", "/app/bin/parley.js"]');
  });

  it('copies only files that exist and that .dockerignore lets into the build context', async () => {
    const allowed = (await read('.dockerignore')).split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = steps.filter((s) => s.op === 'COPY' && !s.args.includes('--from=')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(path.join(ROOT, src)), src).toBe(true);
      expect(allowed, src).toContain(src.replace(/\/$/, ''));
    }
  });

  describe('HEALTHCHECK', () => {
    let script: string;
    let node: TestNode | undefined;
    beforeAll(async () => {
      const check = runtime.find((s) => s.op === 'HEALTHCHECK')!;
      const cmd = JSON.parse(check.args.slice(check.args.indexOf('CMD') + 3).trim()) as string[];
      expect(cmd.slice(0, 2)).toEqual(['node', '-e']); // no curl in the slim image
      script = cmd[2]!;
      node = await startNode();
    });
    afterAll(async () => node?.stop());
    const probe = (listen: string) => promisify(execFile)(process.execPath, ['-e', script], { env: cliEnv({ PARLEY_LISTEN: listen }) }).then(() => 0, (e: { code?: number }) => e.code ?? -1);

    it('passes against a running node, on the port PARLEY_LISTEN names', async () => {
      expect(await probe(`0.0.0.0:${new URL(node!.url).port}`)).toBe(0);
    });

    it('fails when nothing listens there', async () => {
      const port = new URL(node!.url).port;
      await node!.stop();
      expect(await probe(`0.0.0.0:${port}`)).toBe(1);
    });
  });
});

describe.runIf(has('systemd-analyze'))('deploy/parley.service', () => {
  let unit: string;
  beforeAll(async () => {
    unit = await read('deploy/parley.service');
  });
  const values = (key: string): string[] => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

  it('runs the installed `parley serve` and restarts it after a failure (BareRTC /api/shutdown exits non-zero)', () => {
    expect(values('ExecStart')).toEqual(['/usr/local/bin/parley serve']);
    expect(values('Restart')).toEqual(['on-failure']);
    for (const env of values('Environment')) {
      const name = env.slice(0, env.indexOf('='));
      if (name.startsWith('PARLEY_')) expect(isParleyVariable(name), name).toBe(true);
    }
  });

  it('is hardened', () => {
    expect(values('DynamicUser')).toEqual(['yes']);
    expect(values('StateDirectory')).toEqual(['parley']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    expect(values('NoNewPrivileges')).toEqual(['yes']);
    expect(values('PrivateTmp')).toEqual(['yes']);
    expect(values('RestrictAddressFamilies')).toEqual(['AF_UNIX AF_INET AF_INET6']);
    expect(values('SystemCallFilter')).toContain('@system-service');
    expect(values('CapabilityBoundingSet')).toEqual(['']);
  });

  it('passes systemd-analyze verify (with ExecStart pointed at this checkout) and rates as well exposed at most 2.0', async () => {
    const dir = await tempDir('parley-unit-');
    const copy = path.join(dir, 'parley.service');
    // /usr/local/bin/parley exists only after `npm install --global`; verify checks that the command exists.
    await writeFile(copy, unit.replace(/^ExecStart=.*$/m, `ExecStart=${process.execPath} ${path.join(ROOT, 'bin/parley.js')} serve`));
    const verify = await run('systemd-analyze', ['verify', copy]).then(({ stderr }) => ({ ok: true, stderr }), (e: { stderr?: string }) => ({ ok: false, stderr: e.stderr ?? '' }));
    expect(verify).toEqual({ ok: true, stderr: '' });
    const { stdout } = await run('systemd-analyze', ['security', '--offline=yes', copy]);
    const exposure = Number(/Overall exposure level for parley\.service: ([\d.]+)/.exec(stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2);
  });
});

describe.runIf(nginxAvailable())('deploy/nginx.conf', () => {
  it('passes nginx -t with TLS (a self-signed certificate) and without', async () => {
    const dir = await tempDir('parley-nginx-t-');
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert]);
    const template = await read('deploy/nginx.conf');
    for (const tls of [{ cert, key }, null]) {
      const conf = renderNginxConfig(template, {
        upstreams: { parley: ['127.0.0.1:8080'], parley_sticky: ['127.0.0.1:8080'], parley_chatcli: ['127.0.0.1:8766'] },
        ports: { 80: 18080, 443: 18443, 8765: 18765 },
        tls,
        dir,
      });
      const file = path.join(dir, `nginx-${tls ? 'tls' : 'plain'}.conf`);
      await writeFile(file, conf);
      const result = await nginxTest(file, dir);
      expect(result.output).toMatch(/test is successful/);
      expect(result.ok).toBe(true);
    }
    expect(NGINX).not.toBeNull();
  });
});

describe.runIf(has('caddy'))('deploy/Caddyfile', () => {
  it('passes caddy validate', async () => {
    const { stdout } = await run('caddy', ['validate', '--config', path.join(ROOT, 'deploy/Caddyfile'), '--adapter', 'caddyfile']);
    expect(stdout).toMatch(/Valid configuration/);
  });
});

describe('npm pack', () => {
  let files: string[];
  let unpacked: string;
  beforeAll(async () => {
    // --ignore-scripts: dist/ was built by the test run's global setup (test/helpers/build-once.ts).
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const dir = await tempDir('parley-pack-');
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
    const tarball = path.join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    await run('tar', ['-xzf', tarball, '-C', dir]);
    unpacked = path.join(dir, 'package');
    // No registry here: the package's dependencies are the checkout's (the same lock file).
    await symlink(path.join(ROOT, 'node_modules'), path.join(unpacked, 'node_modules'));
  });

  it('ships bin/parley.js and the compiled program, and no sources or tests', () => {
    expect(files).toContain('bin/parley.js');
    expect(files).toContain('package.json');
    const sources = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const compiled = sources('src').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.replace(/^src/, 'dist').replace(/\.ts$/, '.js'));
    expect(compiled.length).toBeGreaterThan(10);
    for (const file of compiled) expect(files, file).toContain(file);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || /\.test\.js$/.test(f))).toEqual([]);
  });

  it('runs `parley help` from the unpacked tarball', async () => {
    const { stdout } = await run(process.execPath, [path.join(unpacked, 'bin/parley.js'), 'help'], { env: cliEnv({}) });
    expect(stdout).toMatch(/serve/);
    expect(stdout).toMatch(/migrate/);
  });

  it('runs `parley serve` from the unpacked tarball until SIGTERM, then exits 0', async () => {
    const dir = await tempDir('parley-pack-serve-');
    await mkdir(path.join(dir, 'data'));
    const child = spawn(process.execPath, [path.join(unpacked, 'bin/parley.js'), 'serve'], {
      cwd: dir,
      env: cliEnv({ PARLEY_CONFIG: path.join(dir, 'settings.toml'), PARLEY_LISTEN: '127.0.0.1:0', PARLEY_CHATCLI_LISTEN: '127.0.0.1:0', PARLEY_LOG_FORMAT: 'json' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const found = /"url":"(http:\/\/[^"]+)"/.exec(line)?.[1];
          if (found) resolve(found);
        });
        void exited.then((code) => reject(new Error(`parley serve exited with ${String(code)} before listening`)));
      });
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('docs/deploy.md', () => {
  it('links only files of this repository, and every one exists', async () => {
    const links = [...(await read('docs/deploy.md')).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !l.startsWith('#'));
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) {
      expect(link, link).not.toMatch(/^[a-z]+:/i);
      expect(existsSync(path.join(ROOT, 'docs', link.split('#')[0]!)), link).toBe(true);
    }
  });
});
