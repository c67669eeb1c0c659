import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { ChatError } from '../core/errors.js';
import { toUserId, type UserId } from '../core/model/ids.js';
import type { StoredUser, UserSource } from '../core/model/user.js';
// The key that makes usernames unique (case, width, composition) is the core's, computed in
// JavaScript and never in SQL, so that both SQL dialects and the rate limits agree on it.
import { toUsernameKey } from '../core/model/username.js';
import type { UserPatch, UserStore } from '../core/ports/store.js';
import { compiledOnce } from './compiled-once.js';
import { withLazyFlush } from './lazy-flush.js';
import type { Database, UsersTable } from './schema.js';
import { isUniqueViolation } from './sql-errors.js';

/** Map a `users` row to the model (integer flags become booleans). */
export function toStoredUser(row: Selectable<UsersTable>): StoredUser {
  return {
    id: toUserId(row.id),
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    emailVerified: row.email_verified !== 0,
    passwordHash: row.password_hash,
    isOperator: row.is_operator !== 0,
    isBot: row.is_bot !== 0,
    isDisabled: row.is_disabled !== 0,
    createdAt: row.created_at,
    tokenGeneration: row.token_generation,
    source: row.source as UserSource,
  };
}

const flag = (b: boolean): number => (b ? 1 : 0);

/** A user by id: on every connect and send, so compiled once. */
const userById = compiledOnce((db, id: UserId) => db.selectFrom('users').selectAll().where('id', '=', id));
/** A user by username key: on every login. */
const userByKey = compiledOnce((db, key: string) => db.selectFrom('users').selectAll().where('username_key', '=', key));

/** The user part of the Kysely store. */
export function createUserStore(db: Kysely<Database>): UserStore {
  const selectUsers = () => db.selectFrom('users').selectAll();
  const findById = async (id: UserId): Promise<StoredUser | null> => {
    const [row] = await userById(db, id);
    return row === undefined ? null : toStoredUser(row);
  };

  return {
    async create(user) {
      try {
        // A guest is made again by its next login if a power loss forgets it (lazy-flush.ts).
        const insert = (d: Kysely<Database>) => d
          .insertInto('users')
          .values({
            username: user.username,
            username_key: toUsernameKey(user.username),
            display_name: user.displayName,
            email: user.email,
            email_verified: flag(user.emailVerified),
            password_hash: user.passwordHash,
            is_operator: flag(user.isOperator),
            is_bot: flag(user.isBot),
            is_disabled: 0,
            created_at: user.createdAt,
            source: user.source ?? 'local',
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const row = user.source === 'guest' ? await withLazyFlush(db, insert) : await insert(db);
        return toStoredUser(row);
      } catch (e) {
        // username_key is the only unique column a caller controls.
        if (isUniqueViolation(e)) throw new ChatError('USERNAME_TAKEN', undefined, { cause: e });
        throw e;
      }
    },

    findById,

    async findByUsername(username) {
      const [row] = await userByKey(db, toUsernameKey(username));
      return row === undefined ? null : toStoredUser(row);
    },

    async list({ afterId, limit }) {
      const rows = await selectUsers()
        .where('id', '>', afterId ?? 0)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toStoredUser);
    },

    async update(id, patch) {
      const changes = toUserChanges(patch);
      if (Object.keys(changes).length === 0 && !patch.bumpGeneration) return findById(id);
      // The increment happens in SQL, so concurrent bumps on two nodes both count.
      const bump = patch.bumpGeneration ? { token_generation: sql<number>`token_generation + 1` } : {};
      try {
        const row = await db.updateTable('users').set({ ...changes, ...bump }).where('id', '=', id).returningAll().executeTakeFirst();
        return row === undefined ? null : toStoredUser(row);
      } catch (e) {
        if (patch.username !== undefined && isUniqueViolation(e)) throw new ChatError('USERNAME_TAKEN', undefined, { cause: e });
        throw e;
      }
    },
  };
}

/** Only the fields present in the patch become column updates. */
function toUserChanges(patch: UserPatch): Omit<Updateable<UsersTable>, 'id' | 'token_generation'> {
  const changes: Omit<Updateable<UsersTable>, 'id' | 'token_generation'> = {};
  if (patch.displayName !== undefined) changes.display_name = patch.displayName;
  if (patch.email !== undefined) changes.email = patch.email;
  if (patch.emailVerified !== undefined) changes.email_verified = flag(patch.emailVerified);
  if (patch.passwordHash !== undefined) changes.password_hash = patch.passwordHash;
  if (patch.isOperator !== undefined) changes.is_operator = flag(patch.isOperator);
  if (patch.isBot !== undefined) changes.is_bot = flag(patch.isBot);
  if (patch.isDisabled !== undefined) changes.is_disabled = flag(patch.isDisabled);
  if (patch.source !== undefined) changes.source = patch.source;
  if (patch.username !== undefined) Object.assign(changes, { username: patch.username, username_key: toUsernameKey(patch.username) });
  return changes;
}
