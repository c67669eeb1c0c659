import { readFileSync } from 'node:fs';
import { BarertcSettingsSchema } from '../protocols/barertc/settings.js';
import { ENV_OVERRIDES, SettingsSchema } from './schema.js';

/**
 * Settings from the environment: every setting as `PARLEY_<SECTION>_<KEY>` (the file's spelling,
 * upper-cased: `server.trusted_proxies` → PARLEY_SERVER_TRUSTED_PROXIES, BareRTC's
 * `[barertc.JWT] SecretKey` → PARLEY_BARERTC_JWT_SECRETKEY), each also as `<NAME>_FILE` naming a
 * file that holds the value (for secrets handed over by Docker, systemd or Kubernetes). Lists are
 * comma-separated. The names of earlier versions (ENV_OVERRIDES: PARLEY_LISTEN, ...) still work.
 * `PARLEY_CONFIG` names the settings file and `PARLEY_TEST_*` belong to the test suite; any other
 * PARLEY_* variable is a mistake and is reported.
 */
export interface EnvSetting {
  readonly variable: string;
  /** The setting's path in settings.toml, e.g. ['server', 'listen']. */
  readonly path: readonly string[];
  readonly kind: 'string' | 'integer' | 'boolean' | 'list';
  /** A name of an earlier version (ENV_OVERRIDES); the current name wins when both are set. */
  readonly legacy?: boolean;
}

/** A value read from the environment for one setting. */
export interface EnvValue {
  readonly path: readonly string[];
  readonly value: unknown;
  /** The variable it came from, as messages name it. */
  readonly variable: string;
}

/** Variables that are not settings. */
const NOT_SETTINGS = new Set(['PARLEY_CONFIG']);
const TEST_PREFIX = 'PARLEY_TEST_';

type Schema = Record<string, unknown>;
const isRecord = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

function kindOf(schema: Schema): EnvSetting['kind'] | null {
  const type = schema['type'];
  if (type === 'integer' || type === 'number') return 'integer';
  if (type === 'boolean') return 'boolean';
  if (type === 'array') return isRecord(schema['items']) && (schema['items']['type'] === 'string' || 'enum' in schema['items']) ? 'list' : null;
  if (type === 'string' || 'enum' in schema) return 'string';
  return null;
}

/** Every scalar or string-list setting of `schema` (objects one level deep), under `prefix`. */
function settingsOf(schema: Schema, prefix: readonly string[], depth: number): EnvSetting[] {
  const props = isRecord(schema['properties']) ? schema['properties'] : {};
  return Object.entries(props).flatMap(([key, sub]): EnvSetting[] => {
    if (!isRecord(sub)) return [];
    const path = [...prefix, key];
    if (sub['type'] === 'object') return depth > 0 ? settingsOf(sub, path, depth - 1) : [];
    const kind = kindOf(sub);
    return kind ? [{ variable: `PARLEY_${path.join('_').toUpperCase()}`, path, kind }] : [];
  });
}

/** Every setting the environment can give, by variable name (computed once). */
export const ENV_SETTINGS: ReadonlyMap<string, EnvSetting> = (() => {
  const all = [
    ...settingsOf(SettingsSchema as unknown as Schema, [], 1),
    { variable: 'PARLEY_ADMIN_API_KEY', path: ['AdminAPIKey'], kind: 'string' } as const,
    ...settingsOf(BarertcSettingsSchema as unknown as Schema, ['barertc'], 1),
  ];
  const byName = new Map(all.map((s) => [s.variable, s]));
  for (const [variable, key] of Object.entries(ENV_OVERRIDES)) {
    const setting = all.find((s) => s.path.join('.') === key);
    if (setting && !byName.has(variable)) byName.set(variable, { ...setting, variable, legacy: true });
  }
  return byName;
})();

/** A variable's text as the setting's type; text that is not one is passed on for validation to name. */
function convert(kind: EnvSetting['kind'], text: string): unknown {
  switch (kind) {
    case 'integer':
      return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    case 'boolean': {
      const t = text.trim().toLowerCase();
      return ['true', '1', 'yes', 'on'].includes(t) ? true : ['false', '0', 'no', 'off'].includes(t) ? false : text;
    }
    case 'list':
      return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return text;
  }
}

/** The settings `env` gives, and every problem with its PARLEY_* variables (unknown names, unreadable files), in plain words. */
export function readEnv(env: NodeJS.ProcessEnv): { readonly values: EnvValue[]; readonly problems: string[] } {
  const values = new Map<string, EnvValue>();
  const problems: string[] = [];
  const names = Object.keys(env).filter((n) => n.startsWith('PARLEY_')).sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || NOT_SETTINGS.has(name) || name.startsWith(TEST_PREFIX)) continue;
    const fromFile = !ENV_SETTINGS.has(name) && name.endsWith('_FILE');
    const setting = ENV_SETTINGS.get(fromFile ? name.slice(0, -'_FILE'.length) : name);
    if (!setting) {
      const hint = closest(name);
      problems.push(`${name}: unknown environment variable${hint ? ` (did you mean ${hint}?)` : ''}`);
      continue;
    }
    let text = raw;
    if (fromFile) {
      try {
        text = readFileSync(raw, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        problems.push(`${name}: cannot read ${raw}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        continue;
      }
    }
    const key = setting.path.join('.');
    // The current spelling wins over an earlier version's name for the same setting.
    if (setting.legacy && values.has(key) && !ENV_SETTINGS.get(values.get(key)!.variable.replace(/_FILE$/, ''))?.legacy) continue;
    values.set(key, { path: setting.path, value: convert(setting.kind, text), variable: name });
  }
  return { values: [...values.values()], problems };
}

/** The known variable nearest to a misspelt one, when it is near enough to be a typo. */
function closest(name: string): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const known of ENV_SETTINGS.keys()) {
    const d = editDistance(name, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 6)) ? best : null;
}

/** Levenshtein distance (two rows). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
