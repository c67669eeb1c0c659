import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// STYLE.md §2 import boundaries, checked on every run instead of remembered.
const SRC = path.resolve(import.meta.dirname, '../../src');

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) yield full;
  }
}

interface Import { from: string; target: string; typeOnly: boolean }

function imports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gms)) {
    const spec = m[3]!;
    const target = spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : spec;
    out.push({ from: path.relative(SRC, file), target, typeOnly: m[2] !== undefined });
  }
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) {
    const spec = m[1]!;
    out.push({ from: path.relative(SRC, file), target: spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : spec, typeOnly: false });
  }
  return out;
}

const all = [...files(SRC)].flatMap(imports);
const layer = (p: string) => p.split(path.sep)[0]!;

describe('import boundaries', () => {
  it('keeps the core free of everything outside it', () => {
    expect(all.filter((i) => layer(i.from) === 'core').length).toBeGreaterThan(30); // the scan sees the imports
    const bad = all.filter((i) => layer(i.from) === 'core' && !(i.target.startsWith('core' + path.sep)));
    expect(bad).toEqual([]);
  });

  it('lets storage, bus and auth import only the core (and their own folder)', () => {
    const bad = all.filter((i) => ['storage', 'bus', 'auth'].includes(layer(i.from)) && isRelative(i) && !['core', layer(i.from)].includes(layer(i.target)));
    expect(bad).toEqual([]);
  });

  it('lets protocols use http and gateway only as types (close codes excepted)', () => {
    const bad = all.filter((i) => layer(i.from) === 'protocols' && isRelative(i) && ['http', 'gateway'].includes(layer(i.target)) && !i.typeOnly && i.target !== path.join('gateway', 'close-codes.js'));
    expect(bad).toEqual([]);
    const wrong = all.filter((i) => layer(i.from) === 'protocols' && isRelative(i) && ['storage', 'bus', 'server.js', 'cli', 'config'].includes(layer(i.target)));
    expect(wrong).toEqual([]);
  });

  it('keeps http and gateway away from storage and the bus', () => {
    const bad = all.filter((i) => ['http', 'gateway'].includes(layer(i.from)) && isRelative(i) && ['storage', 'bus', 'cli', 'server.js'].includes(layer(i.target)));
    expect(bad).toEqual([]);
  });

  it('keeps the hub behind its transport seam: no ws, no HTTP, no storage or bus, protocols as types', () => {
    const fromHub = all.filter((i) => layer(i.from) === 'hub');
    expect(fromHub.length).toBeGreaterThan(5);
    const bad = fromHub.filter((i) => ['ws', 'fastify', 'node:http', 'node:net'].includes(i.target) || (isRelative(i) && !['core', 'hub', 'protocols', 'logger.js'].includes(layer(i.target))));
    expect(bad).toEqual([]);
    expect(fromHub.filter((i) => layer(i.target) === 'protocols' && !i.typeOnly)).toEqual([]);
  });

  it('keeps per-connection state on the connection, not in module-level maps of sockets', () => {
    const offenders = [...files(SRC)].filter((f) => f.includes(`${path.sep}protocols${path.sep}`) && /new WeakMap<Connection/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('reads process.env only in the config loader', () => {
    const readers = [...files(SRC)].filter((f) => readFileSync(f, 'utf8').includes('process.env')).map((f) => path.relative(SRC, f));
    expect(readers).toEqual([path.join('config', 'load.ts')]);
  });

  it('never calls console.*', () => {
    const callers = [...files(SRC)].filter((f) => /\bconsole\.(log|error|warn|info|debug)\(/.test(readFileSync(f, 'utf8')));
    expect(callers).toEqual([]);
  });
});

/** An import of a file of ours (resolved relative to src/), not a package. */
function isRelative(i: Import): boolean {
  return !i.target.startsWith('node:') && !i.target.startsWith('@') && (i.target.includes(path.sep) || i.target.endsWith('.js'));
}
