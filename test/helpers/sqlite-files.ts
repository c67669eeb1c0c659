import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type QueryExecutorProvider } from 'kysely';
import { afterEach, beforeEach } from 'vitest';

/**
 * A fresh directory for each test of the calling suite, removed after it (SQLite files on disk:
 * their log, checkpoints and flushes do not exist in `:memory:`). Call at describe level.
 */
export function useTempDir(prefix: string): { readonly path: string; file(name: string): string } {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `parley-${prefix}-`));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  return {
    get path() {
      return dir;
    },
    file: (name) => path.join(dir, name),
  };
}

/** The connection's `PRAGMA synchronous`: 1 NORMAL, 2 FULL. */
export const sqliteSyncLevel = async (db: QueryExecutorProvider): Promise<number> => (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]!.synchronous;
