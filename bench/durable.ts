/**
 * Durable posts: messages committed per second through the core (`core.messages.send`) and
 * through the store alone (`store.messages.insert`), on SQLite (WAL, synchronous=FULL) and on
 * PostgreSQL. Usage: npm run bench:durable (README.md)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { createNodeSecrets } from '../src/auth/node-secrets.js';
import { createArgon2PasswordHasher } from '../src/auth/argon2-password-hasher.js';
import { createLocalBus } from '../src/bus/local-bus.js';
import { createCore, type Core } from '../src/core/core.js';
import type { Principal } from '../src/core/model/principal.js';
import type { ConversationId } from '../src/core/model/ids.js';
import { systemClock } from '../src/core/ports/clock.js';
import type { Store } from '../src/core/ports/store.js';
import { createKyselyStore } from '../src/storage/kysely-store.js';
import { migrateToLatest } from '../src/storage/migrations/index.js';
import { openDatabase } from '../src/storage/open-store.js';
import type { Database } from '../src/storage/schema.js';
import { BatchCounter } from './lib/batch-counter.js';
import { machineBusyUs, onCleanup, runBench, scoped } from './lib/harness.js';
import { fmt, printTable } from './lib/table.js';

const PG_ADMIN_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_FLIGHT = 256;
const RUN_MS = 5000;
const SERIAL_MS = 2000;
const TARGET_SQLITE = 10_000;

interface Row { readonly backend: string; readonly path: string; readonly inFlight: number; readonly perSecond: number; readonly meanBatch: number; readonly commitsPerSecond: number; readonly meanLatencyMs: number; readonly otherPct: number }
interface Fixture { readonly core: Core; readonly store: Store; readonly counter: BatchCounter; readonly author: Principal; readonly room: ConversationId }

/** Migrate, open the store with the batch counter, and make an author who has joined a room. */
async function fixture(db: Kysely<Database>): Promise<Fixture> {
  await migrateToLatest(db);
  const counter = new BatchCounter();
  const store = createKyselyStore(db.withPlugin(counter));
  onCleanup(() => store.close());
  const core = createCore({
    store,
    bus: createLocalBus(),
    hasher: createArgon2PasswordHasher({ memoryCost: 1024, timeCost: 1 }),
    clock: systemClock,
    secrets: createNodeSecrets(randomBytes(32).toString('base64url')),
    mailer: { send: async () => undefined }, // the bench sends no mail
    limiter: { take: async () => ({ allowed: true, retryAfterSeconds: 0 }) }, // limits are not what is measured
  });
  const user = await core.users.register({ username: 'bench', password: 'bench-password' });
  const author: Principal = { id: user.id, username: user.username, displayName: user.displayName };
  const room = await core.conversations.openRoom('bench');
  await core.conversations.join(room.id, author);
  return { core, store, counter, author, room: room.id };
}

/** This process's CPU time in µs; the PostgreSQL server's own CPU shows up as "other load". */
const selfCpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Keep `inFlight` operations outstanding for `ms`; every completed one counts. */
async function drive(inFlight: number, ms: number, op: (i: number) => Promise<unknown>): Promise<{ count: number; seconds: number }> {
  const start = performance.now();
  const deadline = start + ms;
  let count = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) await op(count++);
  }));
  return { count, seconds: (performance.now() - start) / 1000 };
}

async function measure(backend: string, f: Fixture): Promise<Row[]> {
  const rows: Row[] = [];
  const run = async (label: string, inFlight: number, ms: number, op: (i: number) => Promise<unknown>) => {
    await drive(Math.min(inFlight, 16), 300, op); // warm-up
    f.counter.take();
    const [machine0, self0] = [machineBusyUs(), selfCpuUs()];
    const { count, seconds } = await drive(inFlight, ms, op);
    const otherPct = Math.max(0, (machineBusyUs() - machine0 - (selfCpuUs() - self0)) / (seconds * 1e4));
    const { statements, rows: inserted } = f.counter.take();
    const perSecond = count / seconds;
    rows.push({ backend, path: label, inFlight, perSecond, meanBatch: inserted / Math.max(1, statements), commitsPerSecond: statements / seconds, meanLatencyMs: (inFlight / perSecond) * 1000, otherPct });
    console.log(`  ${backend} ${label} ×${inFlight}: ${fmt(perSecond)} messages/s`);
  };
  const send = (i: number) => f.core.messages.send(f.author, { conversationId: f.room, text: `durable ${i}` });
  const insert = (i: number) => f.store.messages.insert({ conversationId: f.room, authorId: f.author.id, text: `durable ${i}`, format: 'plain', replyToId: null, clientId: null, createdAt: Date.now() });
  await run('core.messages.send', IN_FLIGHT, RUN_MS, send);
  await run('store.messages.insert', IN_FLIGHT, RUN_MS, insert);
  await run('core.messages.send', 1, SERIAL_MS, send);
  return rows;
}

async function sqlite(): Promise<Row[]> {
  return scoped(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'parley-durable-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const db = await openDatabase({ databaseUrl: '', sqliteFile: path.join(dir, 'parley.sqlite') });
    return measure('SQLite', await fixture(db));
  });
}

const reachable = (url: string): Promise<boolean> => new Promise((resolve) => {
  const { hostname, port } = new URL(url);
  const sock = net.connect({ host: hostname, port: Number(port || 5432) });
  const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
  sock.setTimeout(1000, () => done(false));
  sock.once('connect', () => done(true));
  sock.once('error', () => done(false));
});

async function postgres(): Promise<Row[]> {
  if (!(await reachable(PG_ADMIN_URL))) {
    console.log(`PostgreSQL at ${new URL(PG_ADMIN_URL).host} is unreachable: skipping the PostgreSQL rows.`);
    return [];
  }
  const { default: pg } = await import('pg');
  const name = `parley_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  return scoped(async () => {
    await admin(`CREATE DATABASE ${name}`);
    onCleanup(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const db = await openDatabase({ databaseUrl: url.toString(), sqliteFile: '' });
    return measure('PostgreSQL', await fixture(db));
  });
}

await runBench('bench:durable', 175_000, async () => {
  console.log(`durable-post bench: ${IN_FLIGHT} sends in flight for ${RUN_MS / 1000} s per row (and 1 in flight for ${SERIAL_MS / 1000} s)`);
  const rows = [...(await sqlite()), ...(await postgres())];
  printTable('Durable message posts (each acknowledged after its commit)',
    ['backend', 'path', 'in flight', 'messages/s', 'mean batch (rows/INSERT)', 'commits/s', 'mean latency ms', 'CPU outside this process'],
    rows.map((r) => [r.backend, r.path, r.inFlight, fmt(r.perSecond), fmt(r.meanBatch, 1), fmt(r.commitsPerSecond), fmt(r.meanLatencyMs, 2), `${fmt(r.otherPct)} %`]));
  const core = rows.find((r) => r.backend === 'SQLite' && r.path === 'core.messages.send' && r.inFlight === IN_FLIGHT);
  printTable('Summary', ['metric', 'value', 'target', 'met'], [
    [`SQLite durable posts/s through the core (${IN_FLIGHT} in flight)`, fmt(core?.perSecond ?? 0), `≥ ${fmt(TARGET_SQLITE)}`, (core?.perSecond ?? 0) >= TARGET_SQLITE ? 'yes' : 'NO'],
  ]);
});
