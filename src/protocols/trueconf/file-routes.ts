import { readFile, rm } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import { documented } from '../route-docs.js';
import { downloadHeaders } from './download-headers.js';
import { trueconfDocs } from './openapi.js';
import { maxFormSize, prepareSpool, spoolUpload } from './spool.js';

/** Largest `preview` part read (and dropped) beside a small file. */
const PREVIEW_LIMIT = 1_048_576;
/** What a client is told to wait before retrying an upload refused for a full queue. */
const RETRY_AFTER_SECONDS = '5';

/** TrueConf's HTTP error shape on the file endpoints: `{"error": "..."}` (§6.2). */
const fail = (reply: FastifyReply, status: number, error: string) => reply.code(status).send({ error });

/**
 * The upload and download endpoints of §6.2. Uploads stream to `spoolDir` while they are counted
 * against their task, then the core stores them with at most `files.max_concurrent_uploads` held
 * in memory at once (issue 8). Downloads believe the uploader's type only when it is safe to
 * render (issue 12). Registered inside the protocol's CORS scope (routes.ts), after the multipart plugin.
 */
export async function registerFileRoutes(app: FastifyInstance, deps: { core: Core; spoolDir: string }): Promise<void> {
  const { core, spoolDir } = deps;
  await prepareSpool(spoolDir);

  /**
   * POST /bridge/api/client/v1/files — the upload of an `uploadFile` task: header
   * Upload-Task-Id, multipart field `file` (and an optional `preview`, not kept) (§6.2).
   */
  app.post('/bridge/api/client/v1/files', documented('trueconf', trueconfDocs.upload), async (req, reply) => {
    const taskId = req.headers['upload-task-id'];
    if (typeof taskId !== 'string' || taskId === '') return fail(reply, 400, 'Upload-Task-Id header is required');
    if (!req.isMultipart()) return fail(reply, 400, 'multipart/form-data expected');
    // The task says how large the file may be: nothing is read before it is known, nor beyond it.
    let fileSize;
    try {
      ({ fileSize } = await core.files.task(taskId));
    } catch (e) {
      if (toChatError(e).code === 'FILE_NOT_FOUND') return fail(reply, 404, 'Unknown or used upload task');
      throw e;
    }
    const limits = { file: fileSize, other: Math.max(fileSize, PREVIEW_LIMIT) };
    // A declared length beyond any form this task allows: refused unread, and the connection is
    // closed rather than left to read and drop the whole body.
    if (Number(req.headers['content-length'] ?? 0) > maxFormSize(limits)) return fail(reply.header('connection', 'close'), 413, 'File larger than announced');
    const form = await spoolUpload(req, limits, spoolDir).catch((e: unknown) => {
      if (req.raw.destroyed) return { kind: 'cut-off' } as const; // the client went away: nobody to answer, nothing to log
      throw e;
    });
    if (form.kind === 'cut-off') return fail(reply, 400, 'The upload was cut off');
    if (form.kind === 'too-large') return fail(reply, 413, 'File larger than announced');
    if (form.kind === 'no-file') return fail(reply, 400, 'The form has no file field');
    const { name, mimeType, size, path } = form.file;
    try {
      return reply.code(200).send({ temporalFileId: await core.files.upload(taskId, { name, mimeType, size, read: () => readFile(path) }) });
    } catch (e) {
      const { code, message } = toChatError(e);
      if (code === 'FILE_NOT_FOUND') return fail(reply, 404, 'Unknown or used upload task');
      if (code === 'FILE_REJECTED') return fail(reply, 413, message);
      if (code === 'UNAVAILABLE') return fail(reply.header('retry-after', RETRY_AFTER_SECONDS), 503, message);
      throw e;
    } finally {
      await rm(path, { force: true });
    }
  });

  /** GET /bridge/api/client/v1/files/:fileId/:capability — a `getFileInfo` download URL; needs no credentials (§6.2). */
  app.get('/bridge/api/client/v1/files/:fileId/:capability', documented('trueconf', trueconfDocs.download), async (req, reply) => {
    const { fileId, capability } = req.params as { fileId: string; capability: string };
    reply.header('x-content-type-options', 'nosniff');
    try {
      const { file, data } = await core.files.readWithCapability(fileId, capability);
      return reply
        .headers({ ...downloadHeaders(file), 'cache-control': 'private, max-age=3600' })
        .send(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } catch (e) {
      // Unknown, a wrong capability, or its message deleted for everyone: the same answer (issue 12).
      if (toChatError(e).code === 'FILE_NOT_FOUND') return reply.code(404).send({ error: 'File not found' });
      throw e;
    }
  });
}
