import { ChatError } from '../errors.js';
import type { ConversationId, MessageId } from '../model/ids.js';
import type { Message, MessageFormat } from '../model/message.js';
import type { Principal } from '../model/principal.js';
import type { Clock } from '../ports/clock.js';
import type { StoredFile } from '../ports/file-store.js';
import type { Secrets } from '../ports/secrets.js';
import type { Store } from '../ports/store.js';
import type { MessageService } from './message-service.js';
import { createUploadGate } from './upload-gate.js';
import { checkText } from './validate.js';

/** What uploads may be: a size cap and an extension allow- or block-list (null = none). */
export interface FileLimits {
  readonly maxSize: number | null;
  readonly extensions: { readonly mode: 'allow' | 'block'; readonly list: readonly string[] } | null;
}

/** How a node takes uploads in (issue 8). */
export interface UploadPolicy {
  /** Uploads whose bytes a node holds in memory at once (`files.max_concurrent_uploads`). */
  readonly maxConcurrent: number;
  /** Uploads that may wait for a slot; beyond them an upload is refused UNAVAILABLE. */
  readonly maxQueued: number;
  /** Uploads and upload tasks no message took within this long (ms) are deleted by `sweepUnsent`. */
  readonly unsentRetentionMs: number;
}

/** The policy when the composition root names none: 4 at once, 64 waiting, one day's retention. */
export const DEFAULT_UPLOAD_POLICY: UploadPolicy = { maxConcurrent: 4, maxQueued: 64, unsentRetentionMs: 24 * 3_600_000 };

/** How often each node runs `sweepUnsent`: often enough that nothing outlives its retention by much. */
export const UNSENT_SWEEP_INTERVAL_MS = 15 * 60_000;

/**
 * An upload as the adapter received it: already counted (so limits are checked before any byte
 * is read into memory), its bytes read on demand, once, inside an upload slot.
 */
export interface IncomingFile {
  readonly name: string;
  readonly mimeType: string;
  /** Bytes received. */
  readonly size: number;
  /** The bytes; called at most once. */
  read(): Promise<Uint8Array>;
}

/** Files sent as messages: upload tasks, the upload itself, sending, and reading. */
export interface FileService {
  readonly limits: FileLimits;
  /** Permission to upload one file of this name and size; rejects FILE_REJECTED beyond the limits. */
  requestUpload(user: Principal, file: { name: string; size: number }): Promise<string>;
  /** The unused upload task with this id (to size the upload before reading it); rejects FILE_NOT_FOUND. */
  task(taskId: string): Promise<{ fileSize: number }>;
  /**
   * Store the bytes for an upload task (single use); resolves to a single-use temporal id.
   * Rejects FILE_NOT_FOUND (unknown or used task) or FILE_REJECTED (larger than declared, or
   * limits) before reading the bytes and without using the task, and UNAVAILABLE when the node
   * already has `maxConcurrent` uploads in memory and `maxQueued` waiting.
   */
  upload(taskId: string, file: IncomingFile): Promise<string>;
  /** Uploads of this node holding their bytes now, and waiting for a slot. */
  readonly uploads: { readonly active: number; readonly queued: number };
  /** Delete uploads and upload tasks older than the retention that no message took; see FileStore.deleteUnsent. */
  sweepUnsent(): Promise<{ files: number; tasks: number }>;
  /** Send an uploaded file to a conversation, with an optional caption as a message of its own. */
  send(user: Principal, cmd: { conversationId: ConversationId; temporalId: string; replyToId?: MessageId | null; caption?: { text: string; format: MessageFormat } | null }): Promise<{ message: Message; caption: Message | null }>;
  /** Metadata of a file the user may read; rejects FILE_NOT_FOUND. */
  info(user: Principal, fileId: string): Promise<StoredFile>;
  /**
   * A secret that lets anyone holding it download the file without credentials (download URLs
   * carry it). Derived from the file id with the server key, so every node recognises it.
   */
  capability(fileId: string): string;
  /** The file's bytes for a capability from `capability`; rejects FILE_NOT_FOUND for a wrong one. */
  readWithCapability(fileId: string, capability: string): Promise<{ file: StoredFile; data: Uint8Array }>;
}

/** Longest file name accepted. */
const MAX_FILE_NAME = 255;

const extensionOf = (name: string) => (name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '');

/** Files over the store, with limits from the configuration. */
export function createFileService(deps: { store: Store; clock: Clock; secrets: Secrets; messages: MessageService; limits: FileLimits; uploads?: UploadPolicy }): FileService {
  const { store, clock, secrets, messages, limits } = deps;
  const policy = deps.uploads ?? DEFAULT_UPLOAD_POLICY;
  const gate = createUploadGate(policy.maxConcurrent, policy.maxQueued);

  function checkLimits(name: string, size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new ChatError('FILE_REJECTED', 'Invalid file size');
    if (limits.maxSize !== null && size > limits.maxSize) throw new ChatError('FILE_REJECTED', `Files may be at most ${limits.maxSize} bytes`);
    const ext = limits.extensions;
    if (ext && (ext.mode === 'allow') !== ext.list.includes(extensionOf(name))) throw new ChatError('FILE_REJECTED', 'This file type is not allowed');
  }

  return {
    limits,

    async requestUpload(user, file) {
      if (file.name.length > MAX_FILE_NAME) throw new ChatError('FILE_REJECTED', `File names may be at most ${MAX_FILE_NAME} characters`);
      checkLimits(file.name, file.size);
      const id = secrets.randomToken(24);
      await store.files.createTask({ id, userId: user.id, fileName: file.name, fileSize: file.size, createdAt: clock.now() });
      return id;
    },

    async task(taskId) {
      const task = await store.files.findTask(taskId);
      if (!task) throw new ChatError('FILE_NOT_FOUND', 'Unknown or used upload task');
      return { fileSize: task.fileSize };
    },

    async upload(taskId, file) {
      // Every check that can refuse comes before the queue and before a byte is read.
      const declared = await store.files.findTask(taskId);
      if (!declared) throw new ChatError('FILE_NOT_FOUND', 'Unknown or used upload task');
      const name = file.name || declared.fileName;
      if (file.size > declared.fileSize) throw new ChatError('FILE_REJECTED', 'The file is larger than announced');
      checkLimits(name, file.size);
      return gate.run(async () => {
        // The task is used only once a slot is ours: an upload refused for a full queue can be retried.
        const task = await store.files.consumeTask(taskId, clock.now());
        if (!task) throw new ChatError('FILE_NOT_FOUND', 'Unknown or used upload task');
        const data = await file.read();
        if (data.length > task.fileSize) throw new ChatError('FILE_REJECTED', 'The file is larger than announced');
        const temporalId = secrets.randomToken(24);
        await store.files.create({ id: secrets.randomToken(24), temporalId, name, size: data.length, mimeType: file.mimeType || 'application/octet-stream', data, uploaderId: task.userId, createdAt: clock.now() });
        return temporalId;
      });
    },

    uploads: {
      get active() {
        return gate.active;
      },
      get queued() {
        return gate.queued;
      },
    },

    sweepUnsent: () => store.files.deleteUnsent(clock.now() - policy.unsentRetentionMs),

    async send(user, cmd) {
      // Only the uploader may send its upload, and a send that fails gives the upload back.
      const pending = await store.files.findTemporal(cmd.temporalId);
      if (!pending || pending.uploaderId !== user.id) throw new ChatError('FILE_NOT_FOUND', 'Unknown or used temporal file id');
      if (cmd.caption?.text) checkText(cmd.caption.text);
      const file = await store.files.takeTemporal(cmd.temporalId);
      if (!file) throw new ChatError('FILE_NOT_FOUND', 'Unknown or used temporal file id');
      const attachment = { fileId: file.id, name: file.name, size: file.size, mimeType: file.mimeType };
      let message: Message;
      try {
        message = await messages.send(user, { conversationId: cmd.conversationId, text: '', attachment, replyToId: cmd.replyToId ?? null });
      } catch (e) {
        await store.files.restoreTemporal(file.id, cmd.temporalId);
        throw e;
      }
      const caption = cmd.caption?.text ? await messages.send(user, { conversationId: cmd.conversationId, text: cmd.caption.text, format: cmd.caption.format }) : null;
      return { message, caption };
    },

    async info(user, fileId) {
      const file = await store.files.find(fileId);
      if (!file || !(await store.files.canRead(fileId, user.id))) throw new ChatError('FILE_NOT_FOUND', 'File not found');
      return file;
    },

    capability: (fileId) => secrets.derive(fileId, 'file-download', 24),

    async readWithCapability(fileId, capability) {
      const found = secrets.equal(capability, secrets.derive(fileId, 'file-download', 24)) ? await store.files.read(fileId) : null;
      if (!found) throw new ChatError('FILE_NOT_FOUND', 'File not found');
      return found;
    },
  };
}
