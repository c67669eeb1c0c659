import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';

/** The `file` part of an upload form, on disk: counted while it was written, never held in memory. */
export interface SpooledFile {
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  readonly path: string;
}

/** What an upload form held: its file, nothing usable, or a part beyond its limit. */
export type SpoolResult = { readonly kind: 'file'; readonly file: SpooledFile } | { readonly kind: 'no-file' } | { readonly kind: 'too-large' };

/** Most bytes each part may have: the `file` part, and any other file part (a `preview`, dropped). */
export interface SpoolLimits {
  readonly file: number;
  readonly other: number;
}

/** Room for boundaries and part headers in a form. */
const FORM_OVERHEAD = 65_536;

/** The largest body a form within `limits` can have: a declared length beyond it is refused unread. */
export const maxFormSize = (limits: SpoolLimits): number => limits.file + limits.other + FORM_OVERHEAD;

/** Spool files left over from a crash are removed at start-up once this old. */
const STALE_SPOOL_MS = 24 * 3_600_000;

/** Create the spool folder (owner only: uploads are private until sent) and clear a crash's leftovers. */
export async function prepareSpool(dir: string, now = Date.now()): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    // Another node sharing the folder may remove a file between the listing and the stat.
    const modified = name.endsWith('.part') ? await stat(file).then((s) => s.mtimeMs, () => null) : null;
    if (modified !== null && now - modified > STALE_SPOOL_MS) await rm(file, { force: true });
  }
}

/**
 * Read an upload form part by part, writing its first `file` part to a new file in `dir` and
 * dropping the other parts. Each part is counted as it streams, so a part beyond its limit is
 * refused ('too-large') at that byte, before the rest arrives; the rest is then read and dropped
 * in the background, so the client can finish sending and read the answer. The caller removes
 * `file.path` when done with it. Rejects on a broken form (the multipart plugin's errors).
 */
export async function spoolUpload(req: FastifyRequest, limits: SpoolLimits, dir: string): Promise<SpoolResult> {
  // Fields are never used: 1 KiB each keeps them from being another way to fill memory. File
  // sizes are left to the gauge below: when busboy's own limit cuts a part, it stops reading the
  // part without draining it, and the request stalls (Node no longer flows a stream whose last
  // 'data' listener is removed).
  const options = { limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 2, fields: 10, fieldSize: 1024, parts: 12 } };
  const parts = req.parts(options)[Symbol.asyncIterator]();
  let kept: SpooledFile | null = null;
  try {
    for (let next = await parts.next(); next.done !== true; next = await parts.next()) {
      const part = next.value;
      if (part.type !== 'file') continue;
      const keep: boolean = part.fieldname === 'file' && kept === null;
      const target: string | null = keep ? path.join(dir, `${randomUUID()}.part`) : null;
      const written = await spoolPart(part.file, target, keep ? limits.file : limits.other);
      if (written.size === null) {
        dropRest(req, maxFormSize(limits));
        void written.rest.then(() => drain(parts)).finally(() => (target ? rm(target, { force: true }) : undefined)).catch(() => undefined);
        if (kept) await rm(kept.path, { force: true });
        return { kind: 'too-large' };
      }
      if (target) kept = { name: part.filename, mimeType: part.mimetype, size: written.size, path: target };
    }
  } catch (e) {
    if (kept) await rm(kept.path, { force: true });
    throw e;
  }
  return kept ? { kind: 'file', file: kept } : { kind: 'no-file' };
}

/**
 * Stream one part to `target` (or nowhere), counting. Resolves with the size once the part has
 * ended, or with size null as soon as it passes `limit`; from then on its bytes are dropped and
 * `rest` settles when the part has ended. Rejects (removing `target`) when the stream fails first.
 */
function spoolPart(source: Readable, target: string | null, limit: number): Promise<{ size: number | null; rest: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let over = false;
    const gauge = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        if (over) return next();
        size += chunk.length;
        if (size <= limit) return next(null, chunk);
        over = true;
        resolve({ size: null, rest }); // the answer goes out now; the part keeps flowing, dropped
        return next();
      },
    });
    const sink = target ? createWriteStream(target, { flags: 'wx', mode: 0o600 }) : new Writable({ write: (_chunk, _encoding, done) => done() });
    const rest = pipeline(source, gauge, sink);
    rest.then(
      () => { if (!over) resolve({ size, rest }); },
      async (e: unknown) => {
        if (over) return;
        if (target) await rm(target, { force: true });
        reject(e);
      },
    );
  });
}

/**
 * Let the rest of a refused form be read and dropped, up to `budget` more bytes; a client still
 * sending after that is cut off, so a refused upload cannot keep a connection busy without end.
 */
function dropRest(req: FastifyRequest, budget: number): void {
  let dropped = 0;
  // A listener beside the multipart pipe: it neither resumes nor pauses the request.
  req.raw.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > budget) req.raw.destroy();
  });
}

/** Read the remaining parts of a refused form, dropping their bytes. */
async function drain(parts: AsyncIterator<Multipart>): Promise<void> {
  for (let next = await parts.next(); next.done !== true; next = await parts.next()) {
    if (next.value.type === 'file') next.value.file.resume();
  }
}
