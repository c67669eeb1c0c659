import type { UserId } from '../model/ids.js';

/** A stored file's metadata. */
export interface StoredFile {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly mimeType: string;
  readonly uploaderId: UserId;
  readonly createdAt: number;
}

/** Permission to upload one file, handed out before the upload itself. */
export interface UploadTask {
  readonly id: string;
  readonly userId: UserId;
  readonly fileName: string;
  readonly fileSize: number;
}

/** Files and upload tasks; the bytes live in the store so every node can serve them. */
export interface FileStore {
  createTask(task: UploadTask & { readonly createdAt: number }): Promise<void>;
  /** Mark the task used and return it; null when unknown or already used (one upload per task, even concurrently). */
  consumeTask(id: string, now: number): Promise<UploadTask | null>;
  /** Store an uploaded file under `temporalId` until a message takes it. */
  create(file: StoredFile & { readonly temporalId: string; readonly data: Uint8Array }): Promise<void>;
  /** The unused task with this id, without using it; null when unknown or used. */
  findTask(id: string): Promise<UploadTask | null>;
  /** The file behind a temporal id, without taking it; null when unknown or taken. */
  findTemporal(temporalId: string): Promise<StoredFile | null>;
  /** Take the file behind a temporal id (single use); null when unknown or already taken. */
  takeTemporal(temporalId: string): Promise<StoredFile | null>;
  /** Give a taken file its temporal id back (the send that took it failed). */
  restoreTemporal(fileId: string, temporalId: string): Promise<void>;
  find(id: string): Promise<StoredFile | null>;
  /**
   * The file with its bytes, while something still shows it: a message that is not deleted
   * carries it, or a conversation has it as its avatar. Null otherwise (unknown, still waiting
   * for a message, or every message carrying it deleted for everyone), so a download ends with
   * its message on every node.
   */
  read(id: string): Promise<{ file: StoredFile; data: Uint8Array } | null>;
  /**
   * Whether the user may see the file: a member of a conversation with a message carrying it that
   * is not deleted, or its uploader while something still shows it (as `read`).
   */
  canRead(id: string, userId: UserId): Promise<boolean>;
  /**
   * Delete uploads no message or avatar took and upload tasks (used or not), created before
   * `before` (unix ms); resolves to how many of each went. Safe from several nodes at once: each
   * is a conditional DELETE, and a file a send takes meanwhile no longer matches it.
   */
  deleteUnsent(before: number): Promise<{ files: number; tasks: number }>;
}
