import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { Value } from 'typebox/value';
import { DEFAULT_SETTINGS, ENV_OVERRIDES, SettingsSchema, type Config, type Settings } from './schema.js';

/** A configuration problem: `message` is one line naming the key and what is wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadOptions {
  /** Path of settings.toml; default: PARLEY_CONFIG, else ./settings.toml. */
  readonly configPath?: string;
  /** Environment to read overrides from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Read settings.toml (writing it with defaults and fresh random secrets when absent, never
 * overwriting an existing file), apply PARLEY_* overrides, validate once and freeze.
 * Throws ConfigError with a one-line message on any bad value.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const configPath = path.resolve(options.configPath ?? env['PARLEY_CONFIG'] ?? 'settings.toml');
  const raw = existsSync(configPath) ? readSettings(configPath) : writeNewSettings(configPath);
  const merged = mergeDefaults(raw);
  const sources = new Map<string, string>();
  for (const [variable, key] of Object.entries(ENV_OVERRIDES)) {
    const value = env[variable];
    if (value === undefined) continue;
    setPath(merged, key, value);
    sources.set(key, variable);
  }
  const where = (key: string) => (sources.has(key) ? ` (from ${sources.get(key)})` : ` (in ${configPath})`);
  const firstError = [...Value.Errors(SettingsSchema, merged)][0];
  if (firstError !== undefined) {
    const key = [firstError.instancePath.slice(1).replaceAll('/', '.'), missingKey(firstError.params)].filter(Boolean).join('.') || '(root)';
    // `additionalProperties: false` reports an unknown key as a failed `false` schema at its path.
    if (firstError.keyword === 'boolean' || firstError.message === 'schema is false') throw new ConfigError(`${key}${where(key)}: unknown setting`);
    const params = firstError.params as Record<string, unknown>;
    const message = Array.isArray(params['allowedValues']) ? `must be one of ${params['allowedValues'].join(', ')}` : firstError.message;
    throw new ConfigError(`${key}${where(key)}: ${message}, got ${JSON.stringify(getPath(merged, key))}`);
  }
  const settings = merged as Settings;
  const port = Number(settings.server.listen.slice(settings.server.listen.lastIndexOf(':') + 1));
  if (port > 65535) throw new ConfigError(`server.listen${where('server.listen')}: port ${port} is out of range 0-65535`);
  return deepFreeze(toConfig(settings, configPath));
}

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
    secrets: { connor_jwt: randomBytes(32).toString('base64url') },
  };
  const header = '# Parley settings, written on first run. PARLEY_* environment variables override these values.\n';
  mkdirSync(path.dirname(file), { recursive: true });
  // 'wx' refuses to overwrite a file that appeared meanwhile; 0600 because it holds secrets.
  writeFileSync(file, header + stringify(fresh) + '\n', { flag: 'wx', mode: 0o600 });
  return structuredClone(fresh) as Record<string, unknown>;
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

function toConfig(s: Settings, configPath: string): Config {
  const sep = s.server.listen.lastIndexOf(':');
  const host = s.server.listen.slice(0, sep).replace(/^\[(.*)\]$/, '$1');
  const port = Number(s.server.listen.slice(sep + 1));
  const dataDir = path.resolve(path.dirname(configPath), s.server.data_dir);
  return {
    configPath,
    adminApiKey: s.AdminAPIKey,
    server: { host, port, dataDir },
    database: { url: s.database.url, sqliteFile: path.join(dataDir, 'parley.sqlite') },
    redis: { url: s.redis.url, channel: s.redis.channel },
    secrets: { connorJwt: s.secrets.connor_jwt },
    gateway: { maxBufferedBytes: s.gateway.max_buffered_bytes, pingIntervalMs: s.gateway.ping_interval_ms },
    log: { level: s.log.level },
  };
}

/** The property a `required` failure names, or ''. */
const missingKey = (params: object): string => ('requiredProperties' in params ? String(params.requiredProperties) : '');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isRecord(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

function getPath(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((cur, p) => (isRecord(cur) ? cur[p] : undefined), obj);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
