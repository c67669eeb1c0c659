import type { Kysely } from 'kysely';
import type { Store } from '../core/ports/store.js';
import { createAccessEventStore } from './access-event-store.js';
import { createApiKeyStore } from './api-key-store.js';
import { createBlocklistStore } from './blocklist-store.js';
import { createConversationStore } from './conversation-store.js';
import { createFileStore } from './file-store.js';
import type { CommitObserver } from './group-commit.js';
import { createInviteStore } from './invite-store.js';
import { createLinkSpamStore } from './link-spam-store.js';
import { createMessageStore } from './message-store.js';
import { createRelationStore } from './relation-store.js';
import type { Database } from './schema.js';
import { createSessionStore } from './session-store.js';
import { createSubscriberStore } from './subscriber-store.js';
import { createTokenStore } from './token-store.js';
import { createUserStore } from './user-store.js';

/**
 * The Store port over an already migrated Kysely instance, for either SQL dialect. The store
 * owns `db` from here on: `close()` flushes pending message inserts, then destroys it.
 * Most callers want `openStore` (open-store.ts), which also picks the dialect and migrates.
 * `onCommit` hears of every group-committed batch of messages (for /metrics).
 */
export function createKyselyStore(db: Kysely<Database>, onCommit?: CommitObserver): Store {
  const { messages, shutdown } = createMessageStore(db, onCommit);
  let closing: Promise<void> | null = null;
  return {
    users: createUserStore(db),
    conversations: createConversationStore(db),
    messages,
    relations: createRelationStore(db),
    sessions: createSessionStore(db),
    blocklists: createBlocklistStore(db),
    linkSpam: createLinkSpamStore(db),
    tokens: createTokenStore(db),
    subscribers: createSubscriberStore(db),
    files: createFileStore(db),
    apiKeys: createApiKeyStore(db),
    invites: createInviteStore(db),
    accessEvents: createAccessEventStore(db),
    close() {
      closing ??= shutdown().finally(() => db.destroy());
      return closing;
    },
  };
}
