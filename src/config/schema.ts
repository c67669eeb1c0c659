import Type, { type Static } from 'typebox';

/**
 * The shape of settings.toml after environment overrides (STYLE.md §5 "Config"). Keys use the
 * file's spelling; `load.ts` turns the result into the frozen `Config` the program uses.
 */
// Unknown keys are refused (additionalProperties: false) so a misspelt setting is an error, not a
// silently ignored line.
const strict = { additionalProperties: false } as const;

export const SettingsSchema = Type.Object({
  AdminAPIKey: Type.String({ minLength: 16 }),
  server: Type.Object({
    listen: Type.String({ pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s\\[\\]]+):[0-9]{1,5}$' }),
    data_dir: Type.String({ minLength: 1 }),
  }, strict),
  database: Type.Object({
    url: Type.String({ pattern: '^$|^postgres(ql)?://' }),
  }, strict),
  redis: Type.Object({
    url: Type.String({ pattern: '^$|^rediss?://' }),
    channel: Type.String({ minLength: 1 }),
  }, strict),
  secrets: Type.Object({
    connor_jwt: Type.String({ minLength: 32 }),
  }, strict),
  gateway: Type.Object({
    max_buffered_bytes: Type.Integer({ minimum: 1024 }),
    ping_interval_ms: Type.Integer({ minimum: 100 }),
  }, strict),
  log: Type.Object({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }, strict),
}, strict);

export type Settings = Static<typeof SettingsSchema>;

/** Values written to a new settings.toml, apart from the random secrets. */
export const DEFAULT_SETTINGS = {
  server: { listen: '127.0.0.1:8080', data_dir: './data' },
  database: { url: '' },
  redis: { url: '', channel: 'parley:events' },
  gateway: { max_buffered_bytes: 1_048_576, ping_interval_ms: 30_000 },
  log: { level: 'info' },
} as const;

/**
 * The public environment contract: variable → settings key. Scripts and tests rely on these
 * names; only `load.ts` reads the environment.
 */
export const ENV_OVERRIDES = {
  PARLEY_LISTEN: 'server.listen',
  PARLEY_DATA_DIR: 'server.data_dir',
  PARLEY_DATABASE_URL: 'database.url',
  PARLEY_REDIS_URL: 'redis.url',
  PARLEY_REDIS_CHANNEL: 'redis.channel',
  PARLEY_LOG_LEVEL: 'log.level',
} as const;

/** The validated, frozen configuration. Components receive their own slice. */
export interface Config {
  readonly configPath: string;
  readonly adminApiKey: string;
  readonly server: { readonly host: string; readonly port: number; readonly dataDir: string };
  readonly database: { readonly url: string; readonly sqliteFile: string };
  readonly redis: { readonly url: string; readonly channel: string };
  readonly secrets: { readonly connorJwt: string };
  readonly gateway: { readonly maxBufferedBytes: number; readonly pingIntervalMs: number };
  readonly log: { readonly level: Settings['log']['level'] };
}
