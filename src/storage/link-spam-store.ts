import type { Kysely } from 'kysely';
import type { LinkSpamStore } from '../core/ports/link-spam-store.js';
import type { Database } from './schema.js';

/** DM link sends and warnings (migration 0019); expired rows are deleted on each write. */
export function createLinkSpamStore(db: Kysely<Database>): LinkSpamStore {
  return {
    async record(send, since) {
      return db.transaction().execute(async (tx) => {
        await tx.deleteFrom('link_spam_sends').where('sent_at', '<', since).execute();
        await tx.deleteFrom('link_spam_warnings').where('warned_at', '<', since).execute();
        const row = { user_id: send.userId, link_hash: send.linkHash, thread: send.thread, sent_at: send.at };
        await tx.insertInto('link_spam_sends').values(row).onConflict((oc) => oc.columns(['user_id', 'link_hash', 'thread']).doUpdateSet({ sent_at: send.at })).execute();
        const count = await tx
          .selectFrom('link_spam_sends')
          .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
          .where('user_id', '=', send.userId)
          .where('link_hash', '=', send.linkHash)
          .executeTakeFirstOrThrow();
        const warned = await tx.selectFrom('link_spam_warnings').select('warned_at').where('user_id', '=', send.userId).where('link_hash', '=', send.linkHash).executeTakeFirst();
        return { threads: Number(count.n), warnedAt: warned ? Number(warned.warned_at) : null };
      });
    },
    async warn(userId, linkHash, at) {
      await db.insertInto('link_spam_warnings').values({ user_id: userId, link_hash: linkHash, warned_at: at }).onConflict((oc) => oc.columns(['user_id', 'link_hash']).doUpdateSet({ warned_at: at })).execute();
    },
  };
}
