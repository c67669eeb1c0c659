import Type, { type Static } from 'typebox';
import type { BarertcSettings } from '../protocols/barertc/settings.js';

/**
 * The shape of settings.toml after environment overrides (STYLE.md §5 "Config"). Keys use the
 * file's spelling; `load.ts` turns the result into the frozen `Config` the program uses.
 */
// Unknown keys are refused (additionalProperties: false) so a misspelt setting is an error, not a
// silently ignored line.
const strict = { additionalProperties: false } as const;
/** host:port, IPv6 hosts in brackets. */
const LISTEN = '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s\\[\\]]+):[0-9]{1,5}$';
/** "<attempts>/<seconds>", e.g. "10/60"; the digit counts keep both numbers finite and sane. */
const RATE = '^[1-9][0-9]{0,5}/[1-9][0-9]{0,6}$';
/** A rate limit setting; `description` is what an error message says it must be. */
const rate = () => Type.String({ pattern: RATE, description: '"<attempts>/<seconds>" with attempts 1-999999 and seconds 1-9999999' });

/**
 * The validated shape of settings.toml after environment overrides; every section refuses unknown
 * keys. Every integer has both bounds: a float such as 1e300 is integral to JSON Schema, and
 * timers overflow past 2^31 - 1 ms, so an unbounded setting is a hole (load.test.ts checks this).
 */
export const SettingsSchema = Type.Object({
  AdminAPIKey: Type.String({ minLength: 16 }),
  server: Type.Object({
    listen: Type.String({ pattern: LISTEN }),
    data_dir: Type.String({ minLength: 1 }),
    /** Base URL used in links sent by mail; empty = http://<listen>. */
    public_url: Type.String({ pattern: '^$|^https?://[^\\s]+$' }),
    /** Self-registration through the protocols: open, invite (an invite code is needed) or closed. */
    registration: Type.Enum(['open', 'invite', 'closed']),
    /** The server's domain in user ids (`alice@<domain>`); empty = the host of the public URL. */
    domain: Type.String({ pattern: '^$|^[A-Za-z0-9.-]+$' }),
    /**
     * Peers whose X-Forwarded-For / X-Real-IP / Forwarded headers name the client: addresses, CIDR
     * ranges, or "loopback", "linklocal", "uniquelocal". Empty trusts no proxy (load.ts checks each).
     */
    trusted_proxies: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 256 }),
  }, strict),
  files: Type.Object({
    /** Largest file a user may upload, in bytes. */
    max_size: Type.Integer({ minimum: 1, maximum: 536_870_912 }), // 512 MiB: under SQLite's and PostgreSQL's 1 GB per value
    /** Uploads a node holds in memory at once while storing them; more wait in a short queue. */
    max_concurrent_uploads: Type.Integer({ minimum: 1, maximum: 1024 }),
    /** Uploads and upload tasks no message took within this many hours are deleted. */
    unsent_retention_hours: Type.Integer({ minimum: 1, maximum: 8760 }),
  }, strict),
  trueconf: Type.Object({
    /** Lifetime of a bot token in seconds (the documentation's example: one year). */
    token_ttl_seconds: Type.Integer({ minimum: 60, maximum: 315_360_000 }), // ten years
    /** Most unread messages replayed after `auth` with receiveUnread. */
    unread_cap: Type.Integer({ minimum: 0, maximum: 100_000 }),
    /** Protocol ping interval of bot sockets (the original pings about every 5 s). */
    ping_interval_ms: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    /** A bot socket silent this long is dropped (the reference suggests about 20 s). */
    pong_timeout_ms: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
  }, strict),
  chatcli: Type.Object({
    /** ChatCLI's WebSocket has its own listener, as in the original (port 8765, path /ws). */
    listen: Type.String({ pattern: LISTEN }),
  }, strict),
  mail: Type.Object({
    /** smtp:// or smtps:// URL; empty = write mails to the outbox folder in the data dir. */
    smtp: Type.String({ pattern: '^$|^smtps?://' }),
    from: Type.String({ minLength: 3 }),
  }, strict),
  rate_limits: Type.Object({
    enabled: Type.Boolean(),
    login: rate(),
    register: rate(),
    verify: rate(),
    reset: rate(),
    refresh: rate(),
    /** Messages one user may send, on every protocol together (flood limit). */
    message: rate(),
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
    token_key: Type.String({ minLength: 32 }),
    trueconf_jwt: Type.String({ minLength: 32 }),
  }, strict),
  gateway: Type.Object({
    max_buffered_bytes: Type.Integer({ minimum: 1024, maximum: 1_073_741_824 }),
    ping_interval_ms: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    /** Sockets that authenticate with their first frames (ChatCLI, TrueConf) must do so within this. */
    auth_timeout_ms: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    /** How often each node reads the database feed of account and ban changes. */
    access_poll_ms: Type.Integer({ minimum: 50, maximum: 60_000 }),
  }, strict),
  log: Type.Object({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    /** auto: pretty coloured lines on a terminal, JSON lines otherwise. */
    format: Type.Enum(['auto', 'pretty', 'json']),
    /** One line per HTTP request (method, path, status, time, client address). */
    access: Type.Boolean(),
  }, strict),
  metrics: Type.Object({
    /** '' serves /metrics on the main listener; host:port gives it a listener of its own. */
    listen: Type.String({ pattern: `^$|${LISTEN}` }),
    /** '' leaves /metrics open; otherwise scrapers send `Authorization: Bearer <token>`. */
    token: Type.String({ pattern: '^$|^.{16,}$', description: 'empty or at least 16 characters' }),
  }, strict),
  /** BareRTC's own settings, in its spelling; optional, validated by protocols/barertc/settings.ts. */
  barertc: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, strict);

/** settings.toml as parsed and validated, in the file's spelling. */
export type Settings = Static<typeof SettingsSchema>;

/** Values written to a new settings.toml, apart from the random secrets. */
export const DEFAULT_SETTINGS = {
  server: { listen: '127.0.0.1:8080', data_dir: './data', public_url: '', domain: '', registration: 'open', trusted_proxies: [] as string[] },
  trueconf: { token_ttl_seconds: 31_536_000, unread_cap: 1000, ping_interval_ms: 5000, pong_timeout_ms: 20_000 },
  files: { max_size: 20_971_520, max_concurrent_uploads: 4, unsent_retention_hours: 24 },
  chatcli: { listen: '127.0.0.1:8765' },
  mail: { smtp: '', from: 'Parley <parley@localhost>' },
  rate_limits: { enabled: true, login: '10/60', register: '5/600', verify: '10/300', reset: '5/3600', refresh: '30/60', message: '200/10' },
  database: { url: '' },
  redis: { url: '', channel: 'parley:events' },
  gateway: { max_buffered_bytes: 1_048_576, ping_interval_ms: 30_000, auth_timeout_ms: 30_000, access_poll_ms: 1000 },
  log: { level: 'info', format: 'auto', access: false },
  metrics: { listen: '', token: '' },
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
  PARLEY_CHATCLI_LISTEN: 'chatcli.listen',
  PARLEY_PUBLIC_URL: 'server.public_url',
  PARLEY_SMTP_URL: 'mail.smtp',
  PARLEY_DOMAIN: 'server.domain',
  PARLEY_REGISTRATION: 'server.registration',
} as const;

/** Secrets every settings file holds: generated at first run, and added when a newer version needs one. */
export const SECRET_KEYS = ['connor_jwt', 'token_key', 'trueconf_jwt'] as const;

/** An abuse limit: `capacity` attempts per `perSeconds`, per account and per client address. */
export interface RateLimit {
  readonly capacity: number;
  readonly perSeconds: number;
}

/** The validated, frozen configuration. Components receive their own slice. */
export interface Config {
  readonly configPath: string;
  readonly adminApiKey: string;
  /** publicUrl '' = the main listener's own URL, known once it listens. */
  readonly server: {
    readonly host: string; readonly port: number; readonly dataDir: string; readonly publicUrl: string; readonly domain: string; readonly registration: 'open' | 'invite' | 'closed';
    /** server.trusted_proxies as written (proxy-addr's forms); empty trusts no proxy. */
    readonly trustedProxies: readonly string[];
  };
  readonly trueconf: { readonly tokenTtlSeconds: number; readonly unreadCap: number; readonly pingIntervalMs: number; readonly pongTimeoutMs: number };
  readonly files: { readonly maxSize: number; readonly maxConcurrentUploads: number; readonly unsentRetentionHours: number };
  readonly chatcli: { readonly host: string; readonly port: number };
  readonly mail: { readonly smtpUrl: string; readonly from: string; readonly outboxDir: string };
  /** null when rate limiting is disabled. */
  readonly rateLimits: Readonly<Record<'login' | 'register' | 'verify' | 'reset' | 'refresh' | 'message', RateLimit>> | null;
  readonly database: { readonly url: string; readonly sqliteFile: string };
  readonly redis: { readonly url: string; readonly channel: string };
  readonly secrets: { readonly connorJwt: string; readonly tokenKey: string; readonly trueconfJwt: string };
  readonly gateway: { readonly maxBufferedBytes: number; readonly pingIntervalMs: number; readonly authTimeoutMs: number; readonly accessPollMs: number };
  readonly log: { readonly level: Settings['log']['level']; readonly format: Settings['log']['format']; readonly access: boolean };
  /** listen null: /metrics on the main listener; token '' = no token asked. */
  readonly metrics: { readonly listen: { readonly host: string; readonly port: number } | null; readonly token: string };
  /** `[barertc]` with BareRTC's defaults applied, in BareRTC's field names (reference/barertc.md §7). */
  readonly barertc: BarertcSettings;
  /** The PARLEY_BARERTC_* values loaded at start: `/reconfigure` applies them over the file again. */
  readonly barertcFromEnv: readonly { readonly path: readonly string[]; readonly value: unknown }[];
}
