import type { Kysely, Migration } from 'kysely';

/* A survey message keeps its card (url, title, path, …) as JSON; its text stays readable elsewhere. */
export const surveysMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('messages').addColumn('survey_json', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('messages').dropColumn('survey_json').execute();
  },
};
