import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The database an opening error is about, as messages may name it: the SQLite file, or the
 * PostgreSQL URL with its credentials already hidden by the caller (config's `redactUrl`).
 */
export type DatabaseSubject = { readonly sqliteFile: string } | { readonly postgresUrl: string };

/** Errno codes that mean the server was never reached (refused, no route, unknown host, timeout). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/**
 * An error from opening or migrating a database, turned into one line naming the database and
 * what is wrong ("SQLite database /x/parley.sqlite is not a database (file is corrupt)",
 * "PostgreSQL at postgres://***@db/parley is unreachable: connect ECONNREFUSED …"). The original
 * error stays as `cause`.
 */
export function describeDatabaseError(error: unknown, subject: DatabaseSubject): Error {
  const message = 'sqliteFile' in subject
    ? `SQLite database ${subject.sqliteFile} ${sqliteProblem(error, subject.sqliteFile)}`
    : postgresMessage(error, subject.postgresUrl);
  return new Error(message, { cause: error });
}

function postgresMessage(error: unknown, url: string): string {
  const code = codeOf(error);
  if ((code !== undefined && UNREACHABLE.has(code)) || /timeout|terminated unexpectedly/i.test(innermostMessage(error))) {
    return `PostgreSQL at ${url} is unreachable: ${innermostMessage(error)}`;
  }
  return `PostgreSQL at ${url}: ${messageOf(error)}`;
}

/** What is wrong with the SQLite file, after "SQLite database <file> ". */
function sqliteProblem(error: unknown, file: string): string {
  const code = codeOf(error) ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return 'is not a database (file is corrupt)';
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM') return 'cannot be written: permission denied';
  if (code === 'EROFS') return 'cannot be written: read-only file system';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'cannot be written: disk full';
  if (code.startsWith('SQLITE_BUSY')) return 'is locked by another process';
  if (code === 'ENOTDIR' || code === 'EEXIST') return `cannot be created: ${notADirectory(dirname(file))} is not a directory`;
  // SQLite says only "unable to open database file"; the file system says why.
  if (code.startsWith('SQLITE_CANTOPEN')) return cantOpen(file);
  return `cannot be opened: ${messageOf(error)}`;
}

function cantOpen(file: string): string {
  const stat = statOrNull(file);
  if (stat?.isDirectory()) return 'cannot be opened: it is a directory';
  if (stat && !isAccessible(file, constants.R_OK | constants.W_OK)) return 'cannot be written: permission denied';
  if (!stat && !isAccessible(dirname(file), constants.W_OK | constants.X_OK)) return `cannot be created: permission denied in ${dirname(file)}`;
  return 'cannot be opened: unable to open database file';
}

/** The nearest existing ancestor of `dir` (itself included): the one that is not a directory. */
function notADirectory(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    if (statOrNull(at) !== null || dirname(at) === at) return at;
  }
}

const statOrNull = (p: string) => {
  try {
    return statSync(p);
  } catch {
    return null;
  }
};

const isAccessible = (p: string, mode: number): boolean => {
  try {
    accessSync(p, mode);
    return true;
  } catch {
    return false;
  }
};

/** The first `code` string along the cause chain (errno codes, SQLite result codes). */
function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** An error's message; an AggregateError (a host with several addresses) has none of its own. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  const inner = error instanceof AggregateError ? [...new Set(error.errors.map(messageOf))].join('; ') : '';
  return inner || (codeOf(error) ?? error.name);
}

/** The message at the end of the cause chain: the reason itself, without the wrappers' prefixes. */
function innermostMessage(error: unknown): string {
  let e = error;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  return messageOf(e);
}
