import type { Kysely, Selectable, Transaction } from 'kysely';
import { toUserId } from '../core/model/ids.js';
import type { AccessTokenRecord, EmailCodeRecord, RefreshTokenRecord, ResetTokenRecord } from '../core/model/token.js';
import type { NewTokenPair, TokenStore } from '../core/ports/token-store.js';
import type { AccessTokensTable, Database, EmailCodesTable, RefreshTokensTable, ResetTokensTable } from './schema.js';

/** Map an `access_tokens` row to the model. */
export function toAccessTokenRecord(row: Selectable<AccessTokensTable>): AccessTokenRecord {
  return { hash: row.hash, userId: toUserId(row.user_id), familyId: row.family_id, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}

/** Map a `refresh_tokens` row to the model. */
export function toRefreshTokenRecord(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    hash: row.hash,
    userId: toUserId(row.user_id),
    familyId: row.family_id,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    rotatedAt: row.rotated_at,
    createdAt: row.created_at,
  };
}

/** Map an `email_codes` row to the model. */
export function toEmailCodeRecord(row: Selectable<EmailCodesTable>): EmailCodeRecord {
  return { id: row.id, userId: toUserId(row.user_id), codeHash: row.code_hash, expiresAt: row.expires_at };
}

/** Map a `reset_tokens` row to the model. */
export function toResetTokenRecord(row: Selectable<ResetTokensTable>): ResetTokenRecord {
  return { hash: row.hash, userId: toUserId(row.user_id), expiresAt: row.expires_at, usedAt: row.used_at };
}

async function insertPair(trx: Transaction<Database>, pair: NewTokenPair): Promise<void> {
  const common = { user_id: pair.userId, family_id: pair.familyId, revoked_at: null, created_at: pair.createdAt };
  await trx.insertInto('refresh_tokens').values({ ...common, hash: pair.refreshHash, expires_at: pair.refreshExpiresAt, rotated_at: null }).execute();
  await trx.insertInto('access_tokens').values({ ...common, hash: pair.accessHash, expires_at: pair.accessExpiresAt }).execute();
}

/** Set revoked_at on both token tables where it is still null, for the rows `filter` selects. */
async function revokeTokens(
  db: Kysely<Database>,
  now: number,
  filter: { readonly familyId?: string; readonly userId?: number; readonly exceptFamilyId?: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const table of ['access_tokens', 'refresh_tokens'] as const) {
      let query = trx.updateTable(table).set({ revoked_at: now }).where('revoked_at', 'is', null);
      if (filter.familyId !== undefined) query = query.where('family_id', '=', filter.familyId);
      if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
      if (filter.exceptFamilyId !== undefined) query = query.where('family_id', '<>', filter.exceptFamilyId);
      await query.execute();
    }
  });
}

/** The token part of the Kysely store (sessions, e-mail codes, password resets). */
export function createTokenStore(db: Kysely<Database>): TokenStore {
  return {
    async createPair(pair) {
      await db.transaction().execute((trx) => insertPair(trx, pair));
    },

    async findAccess(hash) {
      const row = await db.selectFrom('access_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row === undefined ? null : toAccessTokenRecord(row);
    },

    async findRefresh(hash) {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row === undefined ? null : toRefreshTokenRecord(row);
    },

    rotate(oldRefreshHash, pair) {
      return db.transaction().execute(async (trx) => {
        // The conditional UPDATE is the race guard, not a prior SELECT: on PostgreSQL a concurrent
        // rotation blocks on the row lock and re-checks the WHERE after the winner commits, so it
        // matches 0 rows; on SQLite transactions are serialised on the one connection.
        const result = await trx
          .updateTable('refresh_tokens')
          .set({ rotated_at: pair.createdAt })
          .where('hash', '=', oldRefreshHash)
          .where('rotated_at', 'is', null)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        await insertPair(trx, pair);
        return true;
      });
    },

    async currentOfFamily(familyId) {
      // Normally one row; should a family ever hold several unrotated tokens, the newest wins.
      const row = await db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('rotated_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('hash')
        .executeTakeFirst();
      return row === undefined ? null : toRefreshTokenRecord(row);
    },

    revokeFamily(familyId, now) {
      return revokeTokens(db, now, { familyId });
    },

    revokeUser(userId, now, keepFamilyId) {
      return revokeTokens(db, now, keepFamilyId === undefined ? { userId } : { userId, exceptFamilyId: keepFamilyId });
    },

    async replaceEmailCode(code) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('email_codes').set({ revoked_at: code.createdAt }).where('user_id', '=', code.userId).where('revoked_at', 'is', null).execute();
        await trx
          .insertInto('email_codes')
          .values({ user_id: code.userId, code_hash: code.codeHash, expires_at: code.expiresAt, revoked_at: null, created_at: code.createdAt })
          .execute();
      });
    },

    async newestEmailCode(userId, now) {
      // Only the newest code counts: an older valid code behind a revoked or expired newer one
      // must not be accepted, so the validity checks apply after picking the newest row.
      const row = await db.selectFrom('email_codes').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (row === undefined || row.revoked_at !== null || row.expires_at <= now) return null;
      return toEmailCodeRecord(row);
    },

    async revokeEmailCodes(userId) {
      // The port passes no `now`; the timestamp is only a marker (nothing reads it back), so the
      // wall clock is good enough here.
      await db.updateTable('email_codes').set({ revoked_at: Date.now() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    },

    async createReset(token) {
      await db
        .insertInto('reset_tokens')
        .values({ hash: token.hash, user_id: token.userId, expires_at: token.expiresAt, used_at: null, created_at: token.createdAt })
        .execute();
    },

    async findReset(hash) {
      const row = await db.selectFrom('reset_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row === undefined ? null : toResetTokenRecord(row);
    },

    async consumeReset(hash, now) {
      // Conditional UPDATE: of concurrent consumers exactly one changes the row.
      const result = await db.updateTable('reset_tokens').set({ used_at: now }).where('hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async revokeResets(userId, now) {
      await db.updateTable('reset_tokens').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    },
  };
}
