import type { Kysely, Selectable } from 'kysely';
import { toConversationId, toUserId } from '../core/model/ids.js';
import type { Invite, InviteKind } from '../core/model/invite.js';
import type { InviteStore } from '../core/ports/invite-store.js';
import type { Database, InvitesTable } from './schema.js';

const toInvite = (row: Selectable<InvitesTable>): Invite => ({
  token: row.token,
  kind: row.kind as InviteKind,
  username: row.username,
  inviterId: row.inviter_id === null ? null : toUserId(row.inviter_id),
  groupIds: (JSON.parse(row.groups_json) as number[]).map(toConversationId),
  roles: JSON.parse(row.roles_json) as string[],
  reusable: Boolean(row.reusable),
  source: row.source,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  usedAt: row.used_at === null ? null : Number(row.used_at),
});

/** The invite part of the Kysely store. */
export function createInviteStore(db: Kysely<Database>): InviteStore {
  return {
    async create(i) {
      await db.insertInto('invites').values({
        token: i.token, kind: i.kind, username: i.username, inviter_id: i.inviterId, groups_json: JSON.stringify(i.groupIds), roles_json: JSON.stringify(i.roles),
        reusable: i.reusable ? 1 : 0, source: i.source, created_at: i.createdAt, expires_at: i.expiresAt, used_at: i.usedAt,
      }).execute();
    },
    async find(token) {
      const row = await db.selectFrom('invites').selectAll().where('token', '=', token).executeTakeFirst();
      return row ? toInvite(row) : null;
    },
    async list() {
      return (await db.selectFrom('invites').selectAll().orderBy('created_at').orderBy('token').execute()).map(toInvite);
    },
    async delete(token) {
      return (await db.deleteFrom('invites').where('token', '=', token).executeTakeFirst()).numDeletedRows === 1n;
    },
    async markUsed(token, now) {
      const result = await db.updateTable('invites').set({ used_at: now }).where('token', '=', token).where('used_at', 'is', null).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async release(token, usedAt) {
      const result = await db.updateTable('invites').set({ used_at: null }).where('token', '=', token).where('used_at', '=', usedAt).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  };
}
