import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { parse, stringify } from 'smol-toml';
import { Value } from 'typebox/value';
import { parseBarertcSettings, type BarertcSettings } from '../protocols/barertc/settings.js';
import { readEnv } from './env.js';
import { DEFAULT_SETTINGS, SECRET_KEYS, SettingsSchema, type Config, type Settings } from './schema.js';

/** Configuration problems: `problems` has one line each, naming the key (or variable) and what is wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.problems = list;
  }
}

/** Where loadConfig reads from (all optional). */
export interface LoadOptions {
  /** Path of settings.toml; default: PARLEY_CONFIG, else ./settings.toml. */
  readonly configPath?: string;
  /** Environment to read overrides from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Check only (`parley config check`): never write the settings file. Secrets it lacks are
   * stood in for in memory and listed in `LoadedSettings.generatedAtStart`.
   */
  readonly readOnly?: boolean;
}

/** The effective settings and where each overridden one came from, beside the Config made of them. */
export interface LoadedSettings {
  readonly config: Config;
  /** File, defaults and environment merged, validated, in the file's spelling. */
  readonly settings: Settings;
  /** Setting key → the PARLEY_* variable that gave it. */
  readonly fromEnv: ReadonlyMap<string, string>;
  /** Secrets a start would generate and write to the file (readOnly only). */
  readonly generatedAtStart: readonly string[];
}

/**
 * Read settings.toml (writing it with defaults and fresh random secrets when absent, never
 * overwriting an existing file), apply PARLEY_* variables (env.ts), validate once and freeze.
 * Throws ConfigError listing every problem, one line each.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  return loadSettings(options).config;
}

/** loadConfig, keeping the effective settings and their sources (for `parley config check`). */
export function loadSettings(options: LoadOptions = {}): LoadedSettings {
  const env = options.env ?? process.env;
  const configPath = path.resolve(options.configPath ?? env['PARLEY_CONFIG'] ?? 'settings.toml');
  const fromEnv = readEnv(env);
  const envKeys = new Set(fromEnv.values.map((v) => v.path.join('.')));
  // Secrets the environment gives are never generated into the file.
  const wanted = SECRET_PATHS.filter((key) => !envKeys.has(key));
  let raw: Record<string, unknown>;
  let generatedAtStart: string[] = [];
  if (options.readOnly) {
    raw = existsSync(configPath) ? readSettings(configPath) : {};
    generatedAtStart = wanted.filter((key) => getPath(raw, key) === undefined);
    for (const key of generatedAtStart) setPath(raw, key, newSecret());
  } else {
    raw = existsSync(configPath) ? addMissingSecrets(configPath, readSettings(configPath), wanted) : writeNewSettings(configPath);
  }
  const merged = mergeDefaults(raw);
  const sources = new Map<string, string>();
  for (const { path: keyPath, value, variable } of fromEnv.values) {
    setPath(merged, keyPath.join('.'), value);
    sources.set(keyPath.join('.'), variable);
  }
  const where = (key: string) => (sources.has(key) ? ` (from ${sources.get(key)})` : ` (in ${configPath})`);
  const problems = [...fromEnv.problems, ...schemaProblems(merged, where)];
  if (problems.length > 0) throw new ConfigError(problems);
  const settings = merged as Settings;
  for (const key of ['server.listen', 'chatcli.listen', 'metrics.listen']) {
    const listen = String(getPath(settings, key));
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
    if (listen !== '' && port > 65535) problems.push(`${key}${where(key)}: port ${port} is out of range 0-65535`);
  }
  for (const entry of settings.server.trusted_proxies) {
    if (!isProxyEntry(entry)) problems.push(`server.trusted_proxies${where('server.trusted_proxies')}: ${JSON.stringify(entry)} is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`);
  }
  const barertc = parseBarertcSettings(settings.barertc, settings.AdminAPIKey);
  if (!barertc.ok) problems.push(`${barertc.error.key}${where(barertc.error.key)}: ${barertc.error.message}`);
  if (problems.length > 0 || !barertc.ok) throw new ConfigError(problems);
  const barertcFromEnv = fromEnv.values.filter((v) => v.path[0] === 'barertc');
  return { config: deepFreeze(toConfig(settings, configPath, barertc.settings, barertcFromEnv)), settings, fromEnv: sources, generatedAtStart };
}

/** Every schema violation of the merged settings, one line per setting, in plain words. */
function schemaProblems(merged: Record<string, unknown>, where: (key: string) => string): string[] {
  const byKey = new Map<string, string>();
  for (const error of Value.Errors(SettingsSchema, merged)) {
    const key = [error.instancePath.slice(1).replaceAll('/', '.'), missingKey(error.params)].filter(Boolean).join('.') || '(root)';
    // The unknown key itself is reported below; the section's summary of it would repeat it.
    if (byKey.has(key) || error.keyword === 'additionalProperties') continue;
    // `additionalProperties: false` reports an unknown key as a failed `false` schema at its path.
    if (error.keyword === 'boolean' || error.message === 'schema is false') byKey.set(key, `${key}${where(key)}: unknown setting${pasteHint(key)}`);
    else byKey.set(key, `${key}${where(key)}: ${mustBe(key, error)}, got ${redact(key, getPath(merged, key))}`);
  }
  return [...byKey.values()];
}

/** Whether proxy-addr reads `entry` (an address, a CIDR range, or loopback / linklocal / uniquelocal). */
function isProxyEntry(entry: string): boolean {
  try {
    proxyAddr.compile(entry);
    return true;
  } catch {
    return false;
  }
}

/** BareRTC's own tables, which a pasted BareRTC file puts at the top level by mistake. */
const BARERTC_TABLES = new Set(['JWT', 'TURN', 'PublicChannels', 'WebhookURLs', 'VIP', 'MessageFilters', 'ModerationRule', 'DirectMessageHistory', 'Strings', 'Logging', 'DMLinkSpamProtection', 'Timings']);

/** For an unknown top-level key that is one of BareRTC's tables: where it belongs. */
const pasteHint = (key: string): string => {
  const table = key.split('.')[0] ?? '';
  return BARERTC_TABLES.has(table) ? ` (BareRTC's [${table}] goes under [barertc.${table}] in Parley's settings.toml)` : '';
};

function readSettings(file: string): Record<string, unknown> {
  try {
    return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ConfigError(`${file}: cannot read settings: ${reason}`);
  }
}

function writeNewSettings(file: string): Record<string, unknown> {
  try {
    return writeFresh(file);
  } catch (e) {
    // Another process starting at the same moment wrote it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readSettings(file);
    throw new ConfigError(`${file}: cannot write settings: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function writeFresh(file: string): Record<string, unknown> {
  const fresh = {
    AdminAPIKey: randomUUID(),
    ...DEFAULT_SETTINGS,
    secrets: Object.fromEntries(SECRET_KEYS.map((k) => [k, newSecret()])),
  };
  const header = '# Parley settings, written on first run. PARLEY_* environment variables override these values.\n';
  mkdirSync(path.dirname(file), { recursive: true });
  // 'wx' refuses to overwrite a file that appeared meanwhile; 0600 because it holds secrets.
  writeFileSync(file, header + stringify(fresh) + '\n', { flag: 'wx', mode: 0o600 });
  return structuredClone(fresh) as Record<string, unknown>;
}

const newSecret = () => randomBytes(32).toString('base64url');

/** Every secret a settings file holds, as setting keys; generated when neither the file nor the environment gives one. */
const SECRET_PATHS = ['AdminAPIKey', ...SECRET_KEYS.map((k) => `secrets.${k}`)];

/** A fresh value for a secret: AdminAPIKey is a UUID like BareRTC's, the others 32 random bytes. */
const secretFor = (key: string): string => (key === 'AdminAPIKey' ? randomUUID() : newSecret());

/**
 * Give an existing file the secrets it lacks (`wanted`, setting keys): each missing one is
 * generated and added — AdminAPIKey at the top, the others under [secrets]. Existing values are
 * never changed; a cluster whose nodes share one settings.toml therefore keeps sharing its secrets.
 * A file that holds only the keys an operator changed thus works as it is.
 */
function addMissingSecrets(file: string, raw: Record<string, unknown>, wanted: readonly string[]): Record<string, unknown> {
  const given = raw['secrets'];
  if (given !== undefined && !isRecord(given)) return raw; // validation reports it
  const missing = wanted.filter((key) => getPath(raw, key) === undefined);
  if (missing.length === 0) return raw;
  const added = new Map(missing.map((key) => [key, secretFor(key)]));
  const out: Record<string, unknown> = { ...raw, secrets: { ...given } };
  for (const [key, value] of added) setPath(out, key, value);
  let text = readFileSync(file, 'utf8');
  const adminKey = added.get('AdminAPIKey');
  // A top-level key must come before the first table.
  if (adminKey !== undefined) text = `AdminAPIKey = ${JSON.stringify(adminKey)}\n${text}`;
  const lines = [...added].filter(([key]) => key.startsWith('secrets.')).map(([key, value]) => `${key.slice('secrets.'.length)} = ${JSON.stringify(value)}`).join('\n');
  if (lines) {
    const header = /^\[secrets\][ \t]*(#.*)?$/m;
    text = header.test(text) ? text.replace(header, (h) => `${h}\n${lines}`) : `${text.trimEnd()}\n\n[secrets]\n${lines}\n`;
  }
  try {
    writeFileSync(file, text, { mode: 0o600 });
  } catch (e) {
    throw new ConfigError(`${file}: cannot add new secrets: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}

/**
 * Fill missing non-secret keys with defaults; secrets are never invented for an existing file.
 * A section that is not a table is left as it is, for validation to report.
 */
function mergeDefaults(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const [section, values] of Object.entries(DEFAULT_SETTINGS)) {
    const given = raw[section];
    if (given === undefined || isRecord(given)) out[section] = { ...values, ...given };
  }
  return out;
}

/** The host of a public URL, or "localhost" when none is set. */
const domainOf = (publicUrl: string): string => (publicUrl ? new URL(publicUrl).hostname : 'localhost');

/** "host:port" (IPv6 hosts in brackets) → parts. */
function splitListen(listen: string): { host: string; port: number } {
  const sep = listen.lastIndexOf(':');
  return { host: listen.slice(0, sep).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(sep + 1)) };
}

function toConfig(s: Settings, configPath: string, barertc: BarertcSettings, barertcFromEnv: Config['barertcFromEnv']): Config {
  const { host, port } = splitListen(s.server.listen);
  const dataDir = path.resolve(path.dirname(configPath), s.server.data_dir);
  const chatcli = splitListen(s.chatcli.listen);
  const rate = (v: string) => {
    const [capacity, perSeconds] = v.split('/').map(Number) as [number, number];
    return { capacity, perSeconds };
  };
  const { enabled, ...limits } = s.rate_limits;
  return {
    configPath,
    adminApiKey: s.AdminAPIKey,
    server: { host, port, dataDir, publicUrl: s.server.public_url.replace(/\/+$/, ''), domain: s.server.domain || domainOf(s.server.public_url), registration: s.server.registration, trustedProxies: s.server.trusted_proxies },
    trueconf: { tokenTtlSeconds: s.trueconf.token_ttl_seconds, unreadCap: s.trueconf.unread_cap, pingIntervalMs: s.trueconf.ping_interval_ms, pongTimeoutMs: s.trueconf.pong_timeout_ms },
    files: { maxSize: s.files.max_size, maxConcurrentUploads: s.files.max_concurrent_uploads, unsentRetentionHours: s.files.unsent_retention_hours },
    chatcli,
    mail: { smtpUrl: s.mail.smtp, from: s.mail.from, outboxDir: path.join(dataDir, 'outbox') },
    rateLimits: enabled ? { login: rate(limits.login), register: rate(limits.register), verify: rate(limits.verify), reset: rate(limits.reset), refresh: rate(limits.refresh), message: rate(limits.message) } : null,
    database: { url: s.database.url, sqliteFile: path.join(dataDir, 'parley.sqlite') },
    redis: { url: s.redis.url, channel: s.redis.channel },
    secrets: { connorJwt: s.secrets.connor_jwt, tokenKey: s.secrets.token_key, trueconfJwt: s.secrets.trueconf_jwt },
    gateway: { maxBufferedBytes: s.gateway.max_buffered_bytes, pingIntervalMs: s.gateway.ping_interval_ms, authTimeoutMs: s.gateway.auth_timeout_ms, accessPollMs: s.gateway.access_poll_ms },
    log: { level: s.log.level, format: s.log.format, access: s.log.access },
    metrics: { listen: s.metrics.listen ? splitListen(s.metrics.listen) : null, token: s.metrics.token },
    barertc,
    barertcFromEnv,
  };
}

/** A URL as messages may show it: any `user:password@` part replaced by `***@`. */
export const redactUrl = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');

/** A bad value as an error shows it: secrets never, URLs without their credentials, numbers as written (1e+300, Infinity). */
function redact(key: string, value: unknown): string {
  if (key.startsWith('secrets') || key === 'AdminAPIKey') return '(hidden)';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(typeof value === 'string' ? redactUrl(value) : value);
}

/** The schema of one setting ("files.max_size"), or undefined. */
function schemaAt(key: string): Record<string, unknown> | undefined {
  let schema: unknown = SettingsSchema;
  for (const part of key.split('.')) schema = isRecord(schema) && isRecord(schema['properties']) ? schema['properties'][part] : undefined;
  return isRecord(schema) ? schema : undefined;
}

/** What a refused setting must be, in words: an integer's bounds, a described format, the allowed values, or the validator's own message. */
function mustBe(key: string, error: { keyword: string; message: string; params: object }): string {
  const schema = error.keyword === 'required' ? undefined : schemaAt(key);
  if (schema?.['type'] === 'integer') return `must be an integer between ${String(schema['minimum'])} and ${String(schema['maximum'])}`;
  if (typeof schema?.['description'] === 'string') return `must be ${schema['description']}`;
  const params = error.params as Record<string, unknown>;
  return Array.isArray(params['allowedValues']) ? `must be one of ${params['allowedValues'].join(', ')}` : error.message;
}

/** The property a `required` failure names, or ''. */
const missingKey = (params: object): string => ('requiredProperties' in params ? String(params.requiredProperties) : '');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isRecord(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

export function getPath(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((cur, p) => (isRecord(cur) ? cur[p] : undefined), obj);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
