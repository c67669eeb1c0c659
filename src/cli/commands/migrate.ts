import { redactUrl } from '../../config/load.js';
import { migrateDatabase } from '../../storage/open-store.js';
import type { Command } from '../command.js';

/** `parley migrate`: bring the database schema up to date (serve also does this on start-up). */
export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'Apply pending database migrations and exit',
  async run(ctx) {
    const config = ctx.config();
    await migrateDatabase({ databaseUrl: config.database.url, sqliteFile: config.database.sqliteFile, displayUrl: redactUrl(config.database.url) });
    ctx.out('database is up to date');
    return 0;
  },
};
