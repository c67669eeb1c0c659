import type { Kysely, Selectable, Transaction } from 'kysely';
import { ChatError } from '../core/errors.js';
import { toConversationId, toMessageId, toUserId, type ConversationId, type MessageId } from '../core/model/ids.js';
import type { Message, MessageFormat, NewMessage, Survey } from '../core/model/message.js';
import type { HistoryQuery, MessageStore } from '../core/ports/store.js';
import { compiledOnce } from './compiled-once.js';
import { createGroupCommit, type CommitObserver } from './group-commit.js';
import { commitSyncedOffLoop, commitThenSync } from './sql-dialects/sqlite-wal-sync.js';
import type { Database, MessagesTable } from './schema.js';
import { isUniqueViolation } from './sql-errors.js';

/**
 * Rows per group-commit batch: large enough to amortise the commit, small enough to stay well
 * under both dialects' bound-parameter limits (10 per row) and to keep one transaction short.
 */
const MAX_BATCH = 500;

/** Map a `messages` row to the model. */
export function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    id: toMessageId(row.id),
    conversationId: toConversationId(row.conversation_id),
    authorId: toUserId(row.author_id),
    text: row.text,
    format: row.format as MessageFormat,
    replyToId: row.reply_to_id === null ? null : toMessageId(row.reply_to_id),
    clientId: row.client_id,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    forwardOfId: row.forward_of_id === null ? null : toMessageId(Number(row.forward_of_id)),
    survey: row.survey_json === null ? null : (JSON.parse(row.survey_json) as Survey),
    attachment: row.attachment_file_id === null
      ? null
      : { fileId: row.attachment_file_id, name: row.attachment_name ?? '', size: Number(row.attachment_size ?? 0), mimeType: row.attachment_mime ?? 'application/octet-stream' },
  };
}

/** The message store plus the hook the composite store needs to close cleanly. */
export interface KyselyMessageStore {
  readonly messages: MessageStore;
  /** Refuse new inserts (UNAVAILABLE), then wait until every queued insert has committed or failed. */
  shutdown(): Promise<void>;
}

/** Identifies a message for idempotent retries; null when the draft has no clientId. */
const toClientKey = (authorId: number, clientId: string | null): string | null =>
  clientId === null ? null : `${authorId}:${clientId}`;

/** Existing messages matching the drafts' (authorId, clientId) pairs, by client key. */
async function findByClientKeys(db: Kysely<Database>, drafts: readonly NewMessage[]): Promise<Map<string, Message>> {
  const withClientId = drafts.filter((d) => d.clientId !== null);
  const found = new Map<string, Message>();
  if (withClientId.length === 0) return found;
  // Two IN lists use the (author_id, client_id) index; the cross product they admit is
  // filtered out below by comparing the exact pair.
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('author_id', 'in', [...new Set(withClientId.map((d) => d.authorId))])
    .where('client_id', 'in', [...new Set(withClientId.map((d) => d.clientId as string))])
    .execute();
  const wanted = new Set(withClientId.map((d) => toClientKey(d.authorId, d.clientId)));
  for (const row of rows) {
    const key = toClientKey(row.author_id, row.client_id);
    if (key !== null && wanted.has(key)) found.set(key, toMessage(row));
  }
  return found;
}

/**
 * Insert a batch inside `trx`, resolving clientId duplicates (against stored rows and within the
 * batch) to the first message. Returns one message per draft, in draft order.
 */
async function insertBatch(trx: Transaction<Database>, drafts: readonly NewMessage[]): Promise<Message[]> {
  const existing = await findByClientKeys(trx, drafts);
  const results: (Message | undefined)[] = new Array<Message | undefined>(drafts.length);
  const firstInBatch = new Map<string, number>();
  const aliases: Array<readonly [index: number, sameAs: number]> = [];
  const toInsert: number[] = [];
  drafts.forEach((draft, i) => {
    const key = toClientKey(draft.authorId, draft.clientId);
    const stored = key === null ? undefined : existing.get(key);
    const first = key === null ? undefined : firstInBatch.get(key);
    if (stored !== undefined) {
      results[i] = stored;
    } else if (first !== undefined) {
      aliases.push([i, first]);
    } else {
      if (key !== null) firstInBatch.set(key, i);
      toInsert.push(i);
    }
  });

  if (toInsert.length > 0) {
    const rows = await trx
      .insertInto('messages')
      .values(toInsert.map((i) => toMessageRow(drafts[i] as NewMessage)))
      .returning('id')
      .execute();
    if (rows.length !== toInsert.length) throw new Error(`Inserted ${toInsert.length} messages but got ${rows.length} ids`);
    // Both dialects allocate ids in VALUES order, but RETURNING order is not guaranteed:
    // sorting restores the VALUES order.
    const ids = rows.map((r) => r.id).sort((x, y) => x - y);
    toInsert.forEach((draftIndex, k) => {
      const d = drafts[draftIndex] as NewMessage;
      results[draftIndex] = { ...d, attachment: d.attachment ?? null, forwardOfId: d.forwardOfId ?? null, survey: d.survey ?? null, id: toMessageId(ids[k] as number), editedAt: null, deletedAt: null };
    });
  }
  for (const [index, sameAs] of aliases) results[index] = results[sameAs];
  return results as Message[];
}

function toMessageRow(d: NewMessage) {
  return {
    conversation_id: d.conversationId,
    author_id: d.authorId,
    text: d.text,
    format: d.format,
    reply_to_id: d.replyToId,
    client_id: d.clientId,
    created_at: d.createdAt,
    edited_at: null,
    deleted_at: null,
    attachment_file_id: d.attachment?.fileId ?? null,
    attachment_name: d.attachment?.name ?? null,
    attachment_size: d.attachment?.size ?? null,
    attachment_mime: d.attachment?.mimeType ?? null,
    forward_of_id: d.forwardOfId ?? null,
    survey_json: d.survey ? JSON.stringify(d.survey) : null,
  };
}

/** Which of a history query's optional parts are present: each shape is compiled once. */
const historyShape = (q: HistoryQuery): string =>
  [q.beforeId, q.afterId, q.floorId, q.hiddenFor].map((v) => (v === undefined ? '-' : '+')).join('') + (q.skipDeleted === true ? 'D' : '') + (q.skipForwards === true ? 'F' : '');

const historyQueries = new Map<string, (db: Kysely<Database>, ...args: unknown[]) => Promise<Selectable<MessagesTable>[]>>();

/**
 * A history page's rows (limit + 1 of them), by a query compiled once per shape (history pages,
 * room joins and chat lists read it on every connect). Arguments in order: the conversation, the
 * optional ids and user that are present, the limit.
 */
function historyRows(db: Kysely<Database>, conversationId: ConversationId, q: HistoryQuery): Promise<Selectable<MessagesTable>[]> {
  const shape = historyShape(q);
  let run = historyQueries.get(shape);
  if (run === undefined) {
    run = compiledOnce((d, ...args: unknown[]) => {
      let i = 0;
      const next = () => args[i++] as never;
      let query = d.selectFrom('messages').selectAll().where('conversation_id', '=', next());
      if (q.beforeId !== undefined) query = query.where('id', '<', next());
      if (q.afterId !== undefined) query = query.where('id', '>', next());
      if (q.floorId !== undefined) query = query.where('id', '>', next());
      if (q.skipDeleted === true) query = query.where('deleted_at', 'is', null);
      if (q.skipForwards === true) query = query.where('forward_of_id', 'is', null);
      if (q.hiddenFor !== undefined) {
        const hiddenFor = next();
        query = query.where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('hidden_messages as h').select('h.message_id').whereRef('h.message_id', '=', 'messages.id').where('h.user_id', '=', hiddenFor))));
      }
      return query.orderBy('id', q.afterId === undefined ? 'desc' : 'asc').limit(next());
    });
    historyQueries.set(shape, run);
  }
  const present = [q.beforeId, q.afterId, q.floorId, q.hiddenFor].filter((v) => v !== undefined);
  return run(db, conversationId, ...present, q.limit + 1);
}

/** The message part of the Kysely store; inserts go through a group commit (group-commit.ts), whose batches `onCommit` hears of. */
export function createMessageStore(db: Kysely<Database>, onCommit?: CommitObserver): KyselyMessageStore {
  let closed = false;
  const inserts = createGroupCommit<NewMessage, Message>({
    maxBatch: MAX_BATCH,
    ...(onCommit ? { onCommit } : {}),
    // Flushed off the event loop (sqlite-wal-sync.ts): a slow disk delays these messages, not every socket.
    commitBatch: async (drafts) => {
      const { value, durable } = await commitThenSync(db, (d) => d.transaction().execute((trx) => insertBatch(trx, drafts)));
      return { results: value, durable };
    },
    async commitOne(draft) {
      try {
        const [message] = await commitSyncedOffLoop(db, (d) => d.transaction().execute((trx) => insertBatch(trx, [draft])));
        return message as Message;
      } catch (e) {
        // Another node committed the same (author, clientId) between our check and our insert.
        if (draft.clientId !== null && isUniqueViolation(e)) {
          const stored = (await findByClientKeys(db, [draft])).values().next();
          if (stored.done !== true) return stored.value;
        }
        throw e;
      }
    },
  });
  const findById = async (id: MessageId): Promise<Message | null> => {
    const row = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : toMessage(row);
  };
  const update = async (id: MessageId, changes: { text: string; format?: MessageFormat; edited_at?: number; deleted_at?: number; survey_json?: string }) => {
    const row = await db.updateTable('messages').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
    return row === undefined ? null : toMessage(row);
  };

  const messages: MessageStore = {
    insert(message) {
      if (closed) return Promise.reject(new ChatError('UNAVAILABLE', 'The store is closing'));
      return inserts.submit(message);
    },

    findById,

    async history(conversationId, query) {
      // One extra row tells whether more exist beyond the page. Newest-first scans of the
      // (conversation_id, id) index serve the default and beforeId pages; afterId pages scan up.
      // hasMore means "older messages exist before the first returned" for default/beforeId
      // pages, and "newer messages exist after the last returned" for afterId pages.
      const { afterId, limit } = query;
      const rows = await historyRows(db, conversationId, query);
      const page = rows.slice(0, limit);
      if (afterId === undefined) page.reverse();
      return { messages: page.map(toMessage), hasMore: rows.length > limit };
    },

    async unreadFor(userId, limit) {
      // The membership join carries each conversation's read position; the (conversation_id, id)
      // index serves the range, newest first so the cap keeps the newest.
      const rows = await db
        .selectFrom('messages as msg')
        .innerJoin('memberships as m', (j) => j.onRef('m.conversation_id', '=', 'msg.conversation_id').on('m.user_id', '=', userId))
        .selectAll('msg')
        .whereRef('msg.id', '>', 'm.last_read_message_id')
        .whereRef('msg.id', '>', 'm.cleared_through_id')
        .where('msg.author_id', '!=', userId)
        .where('msg.deleted_at', 'is', null)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('hidden_messages as h').select('h.message_id').whereRef('h.message_id', '=', 'msg.id').where('h.user_id', '=', userId))))
        .orderBy('msg.id', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map(toMessage);
    },

    async countUnread(conversationId, afterId, excludeAuthor) {
      const row = await db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('conversation_id', '=', conversationId)
        .where('id', '>', afterId)
        .where('author_id', '!=', excludeAuthor)
        .where('deleted_at', 'is', null)
        // The reader's own hidden messages (hidden for itself, or a muted user's DMs) are not unread.
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('hidden_messages as h').select('h.message_id').whereRef('h.message_id', '=', 'messages.id').where('h.user_id', '=', excludeAuthor))))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async countBefore(conversationId, beforeId, query = {}) {
      let q = db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('conversation_id', '=', conversationId)
        .where('id', '<', beforeId)
        .where('deleted_at', 'is', null);
      if (query.floorId !== undefined) q = q.where('id', '>', query.floorId);
      const hiddenFor = query.hiddenFor;
      if (hiddenFor !== undefined) {
        q = q.where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('hidden_messages as h').select('h.message_id').whereRef('h.message_id', '=', 'messages.id').where('h.user_id', '=', hiddenFor))));
      }
      return Number((await q.executeTakeFirstOrThrow()).n);
    },

    async directPartners(userId, { sort, offset, limit }) {
      // The user's direct conversations through its memberships, then their messages by the
      // (conversation_id, id) index; grouped by the other author.
      const base = db
        .selectFrom('memberships as mb')
        .innerJoin('conversations as c', (j) => j.onRef('c.id', '=', 'mb.conversation_id').on('c.kind', '=', 'direct'))
        .innerJoin('messages as m', (j) => j.onRef('m.conversation_id', '=', 'mb.conversation_id').on('m.deleted_at', 'is', null))
        .where('mb.user_id', '=', userId);
      const threads = await base.select((eb) => eb.fn.count<number | string | bigint>('mb.conversation_id').distinct().as('n')).executeTakeFirstOrThrow();
      let names = base
        .innerJoin('users as u', 'u.id', 'm.author_id')
        .where('m.author_id', '<>', userId)
        .select(['u.username', (eb) => eb.fn.max('m.id').as('latest'), (eb) => eb.fn.min('m.id').as('earliest'), (eb) => eb.fn('lower', ['u.username']).as('name_key')])
        .groupBy('u.username');
      if (sort === 'newest') names = names.orderBy('latest', 'desc');
      else if (sort === 'oldest') names = names.orderBy('earliest', 'asc');
      else names = names.orderBy('name_key', sort === 'a-z' ? 'asc' : 'desc').orderBy('u.username', sort === 'a-z' ? 'asc' : 'desc');
      const rows = await names.limit(limit).offset(offset).execute();
      return { usernames: rows.map((r) => r.username), threads: Number(threads.n) };
    },

    async hide(messageId, userId) {
      await db.insertInto('hidden_messages').values({ user_id: userId, message_id: messageId }).onConflict((oc) => oc.columns(['user_id', 'message_id']).doNothing()).execute();
    },

    async isHidden(messageId, userId) {
      return (await db.selectFrom('hidden_messages').select('message_id').where('user_id', '=', userId).where('message_id', '=', messageId).executeTakeFirst()) !== undefined;
    },

    async deleteAll(conversationId) {
      await inserts.drain(); // a batch in flight must not land after the clearing
      const result = await db.deleteFrom('messages').where('conversation_id', '=', conversationId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteByAuthor(authorId) {
      await inserts.drain(); // a message of the author still queued must not survive the removal
      const result = await db.deleteFrom('messages').where('author_id', '=', authorId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    edit: (id, text, editedAt, format) => update(id, { text, edited_at: editedAt, ...(format === undefined ? {} : { format }) }),
    editSurvey: (id, survey, text, editedAt) => update(id, { survey_json: JSON.stringify(survey), text, edited_at: editedAt }),
    markDeleted: (id, deletedAt) => update(id, { text: '', deleted_at: deletedAt }),
  };

  return {
    messages,
    async shutdown() {
      closed = true;
      await inserts.drain();
    },
  };
}

