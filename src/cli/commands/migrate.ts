import { redactUrl } from '../../config/load.js';
import type { DatabaseOptions } from '../../storage/open-store.js';
import { CliFailure, type Command } from '../command.js';

/**
 * `parley migrate [--status [--json]]`: bring the database schema up to date (serve also does this
 * on start-up), or with --status only say which migrations it has.
 */
export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'Apply pending database migrations and exit (--status: only list them)',
  flags: {
    status: { type: 'boolean', description: 'list every migration as applied or pending, and change nothing' },
    json: { type: 'boolean', description: 'with --status: print a JSON array instead of lines' },
  },
  details: 'With --status, lines: <name> TAB applied TAB <when, ISO 8601> | <name> TAB pending.\n'
    + 'With --status --json: [{"name", "status" ("applied" or "pending"), "appliedAt" (ISO 8601 or null)}], in order.',
  examples: ['parley migrate', 'parley migrate --status'],
  async run(ctx) {
    const config = ctx.config();
    const options: DatabaseOptions = { databaseUrl: config.database.url, sqliteFile: config.database.sqliteFile, displayUrl: redactUrl(config.database.url) };
    const { databaseMigrationStates, migrateDatabase } = await import('../../storage/open-store.js');
    if (ctx.flags['status'] !== true) {
      if (ctx.flags['json'] === true) throw new CliFailure('--json needs --status', { usage: true });
      await migrateDatabase(options);
      ctx.out('database is up to date');
      return 0;
    }
    const states = (await databaseMigrationStates(options)).map((m) => ({
      name: m.name, status: m.appliedAt === null ? 'pending' : 'applied', appliedAt: m.appliedAt === null ? null : new Date(m.appliedAt).toISOString(),
    }));
    if (ctx.flags['json'] === true) {
      ctx.json(states);
      return 0;
    }
    for (const m of states) ctx.out([m.name, m.status, ...(m.appliedAt === null ? [] : [m.appliedAt])].join('\t'));
    return 0;
  },
};
