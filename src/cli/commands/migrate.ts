import { migrateToLatest } from '../../storage/migrations/index.js';
import { openDatabase } from '../../storage/open-store.js';
import type { Command } from '../command.js';

/** `parley migrate`: bring the database schema up to date (serve also does this on start-up). */
export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'Apply pending database migrations and exit',
  async run(ctx) {
    const config = ctx.config();
    const db = await openDatabase({ databaseUrl: config.database.url, sqliteFile: config.database.sqliteFile });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    ctx.out('database is up to date');
    return 0;
  },
};
