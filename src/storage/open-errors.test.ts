import { describe, expect, it } from 'vitest';
import { describeDatabaseError } from './open-errors.js';

const pg = { postgresUrl: 'postgres://***@db:5432/parley' };
const errno = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('describeDatabaseError', () => {
  it('calls PostgreSQL unreachable with the innermost reason, even behind a failed migration', () => {
    const refused = errno('connect ECONNREFUSED 10.0.0.1:5432', 'ECONNREFUSED');
    const migration = new Error('Migration 0002-tokens failed: connect ECONNREFUSED 10.0.0.1:5432', { cause: refused });
    expect(describeDatabaseError(migration, pg).message).toBe('PostgreSQL at postgres://***@db:5432/parley is unreachable: connect ECONNREFUSED 10.0.0.1:5432');
  });

  it('lists the addresses of a host that resolves to several (an AggregateError has no message of its own)', () => {
    const both = Object.assign(new AggregateError([errno('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'), errno('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')], ''), { code: 'ECONNREFUSED' });
    expect(describeDatabaseError(both, pg).message).toBe('PostgreSQL at postgres://***@db:5432/parley is unreachable: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('passes a server-side refusal through as it is', () => {
    expect(describeDatabaseError(errno('password authentication failed for user "parley"', '28P01'), pg).message)
      .toBe('PostgreSQL at postgres://***@db:5432/parley: password authentication failed for user "parley"');
  });

  it('names the SQLite file for a locked, full or read-only database', () => {
    const file = { sqliteFile: '/var/lib/parley/parley.sqlite' };
    expect(describeDatabaseError(errno('database is locked', 'SQLITE_BUSY'), file).message).toBe('SQLite database /var/lib/parley/parley.sqlite is locked by another process');
    expect(describeDatabaseError(errno('database or disk is full', 'SQLITE_FULL'), file).message).toBe('SQLite database /var/lib/parley/parley.sqlite cannot be written: disk full');
    expect(describeDatabaseError(errno('attempt to write a readonly database', 'SQLITE_READONLY'), file).message).toBe('SQLite database /var/lib/parley/parley.sqlite cannot be written: permission denied');
  });
});
