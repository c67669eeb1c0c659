import type { Kysely } from 'kysely';
import type { SubscriberStore } from '../core/ports/token-store.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './sql-errors.js';

/** The key that makes addresses unique case-insensitively; always computed here, never in SQL. */
const toEmailKey = (email: string): string => email.toLowerCase();

/** The mailing-list part of the Kysely store. */
export function createSubscriberStore(db: Kysely<Database>): SubscriberStore {
  return {
    async add(email, now) {
      try {
        await db.insertInto('email_subscribers').values({ email, email_key: toEmailKey(email), subscribed_at: now }).execute();
        return true;
      } catch (e) {
        // email_key is the only unique column a caller controls.
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    },
  };
}
