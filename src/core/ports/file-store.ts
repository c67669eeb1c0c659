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
  /** Take the file behind a temporal id (single use); null when unknown or already taken. */
  takeTemporal(temporalId: string): Promise<StoredFile | null>;
  find(id: string): Promise<StoredFile | null>;
  /** The file with its bytes. */
  read(id: string): Promise<{ file: StoredFile; data: Uint8Array } | null>;
  /** Whether the user uploaded the file or is a member of a conversation with a message carrying it. */
  canRead(id: string, userId: UserId): Promise<boolean>;
}
