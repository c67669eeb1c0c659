import { readFile } from 'node:fs/promises';
import { parse } from 'smol-toml';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * The `[barertc]` section of settings.toml (reference/barertc.md §7): BareRTC's own field names
 * and defaults, so the body of a real BareRTC settings.toml can be pasted under `[barertc]` (its
 * tables renamed `[barertc.JWT]`, `[[barertc.PublicChannels]]`, …). Unknown keys are refused like
 * everywhere else in settings.toml; every key BareRTC has is known, and those Parley does not use
 * are accepted and ignored (see IGNORED_KEYS).
 */

// Unknown keys are refused so a misspelt setting is an error, not a silently ignored line.
const strict = { additionalProperties: false } as const;
const int = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
/** A duration in seconds; fractions allowed so tests can use short timings. */
const seconds = (minimum: number) => Type.Number({ minimum, maximum: 86_400 });
const url = (description: string) => Type.String({ pattern: '^$|^https?://[^\\s]+$', description });
const HMAC = ['HS256', 'HS384', 'HS512'] as const;

const ChannelSchema = Type.Object({
  /** The channel id; also the name of the core room (BareRTC `lobby` is connor's room `lobby`). */
  ID: Type.String({ pattern: '^[^@\\s]{1,64}$', description: 'a channel id: 1-64 characters, no spaces, not starting with @' }),
  Name: Type.String(),
  Icon: Type.String(),
  VIP: Type.Boolean(),
  PermitPhotos: Type.Boolean(),
  WelcomeMessages: Type.Array(Type.String()),
  EchoMessagesOnJoin: int(0, 1000),
}, strict);

const WebhookSchema = Type.Object({ Name: Type.String(), Enabled: Type.Boolean(), URL: url('empty or an http(s) URL') }, strict);

const MessageFilterSchema = Type.Object({
  Enabled: Type.Boolean(),
  PublicChannels: Type.Boolean(),
  PrivateChannels: Type.Boolean(),
  KeywordPhrases: Type.Array(Type.String()),
  CensorMessage: Type.Boolean(),
  ForwardMessage: Type.Boolean(),
  ReportMessage: Type.Boolean(),
  ChatServerResponse: Type.String(),
}, strict);

const ModerationRuleSchema = Type.Object({
  Username: Type.String(),
  CameraAlwaysNSFW: Type.Boolean(),
  NoBroadcast: Type.Boolean(),
  NoVideo: Type.Boolean(),
  NoImage: Type.Boolean(),
  NoDarkVideo: Type.Boolean(),
}, strict);

/** The `[barertc]` section, defaults applied, in BareRTC's spelling. */
export const BarertcSettingsSchema = Type.Object({
  /** BareRTC's migration marker: accepted, ignored. */
  Version: Type.Optional(Type.Integer()),
  /** Must equal the top-level AdminAPIKey when given (Parley has one key for the whole server). */
  AdminAPIKey: Type.Optional(Type.String()),
  /** BareRTC's per-write timeout: accepted, ignored (Parley drops slow clients by buffer size). */
  WebSocketSendTimeout: Type.Optional(Type.Integer()),
  Title: Type.String(),
  Branding: Type.String(),
  WebsiteURL: url('empty or an http(s) URL'),
  CORSHosts: Type.Array(Type.String()),
  PermitNSFW: Type.Boolean(),
  BlockableAdmins: Type.Boolean(),
  UseXForwardedFor: Type.Boolean(),
  WebSocketReadLimit: int(1024, 1_073_741_824),
  MaxImageWidth: int(1, 100_000),
  PreviewImageWidth: int(1, 100_000),
  JWT: Type.Object({
    Enabled: Type.Boolean(),
    Strict: Type.Boolean(),
    SecretKey: Type.String(),
    LandingPageURL: url('empty or an http(s) URL'),
    /** Parley's addition: the HMAC algorithms accepted (reference §10 "or a configured list"). */
    Algorithms: Type.Array(Type.Enum([...HMAC]), { minItems: 1, description: 'a non-empty list of HS256, HS384, HS512' }),
  }, strict),
  TURN: Type.Object({ URLs: Type.Array(Type.String()), Username: Type.String(), Credential: Type.String() }, strict),
  PublicChannels: Type.Array(ChannelSchema, { minItems: 1, description: 'at least one [[barertc.PublicChannels]] entry' }),
  WebhookURLs: Type.Array(WebhookSchema),
  VIP: Type.Object({ Name: Type.String(), Branding: Type.String(), Icon: Type.String(), MutuallySecret: Type.Boolean() }, strict),
  MessageFilters: Type.Array(MessageFilterSchema),
  ModerationRule: Type.Array(ModerationRuleSchema),
  DirectMessageHistory: Type.Object({
    Enabled: Type.Boolean(),
    /** BareRTC's SQLite file: accepted, ignored (DMs live in Parley's own database). */
    SQLiteDatabase: Type.Optional(Type.String()),
    /** 0 keeps DMs forever. */
    RetentionDays: int(0, 36_500),
    DisclaimerMessage: Type.String(),
  }, strict),
  Strings: Type.Object({
    ModRuleErrorCameraAlwaysNSFW: Type.String(),
    ModRuleErrorNoBroadcast: Type.String(),
    ModRuleErrorNoVideo: Type.String(),
    ModRuleErrorNoImage: Type.String(),
  }, strict),
  Logging: Type.Object({ Enabled: Type.Boolean(), Directory: Type.String(), Channels: Type.Array(Type.String()), Usernames: Type.Array(Type.String()) }, strict),
  DMLinkSpamProtection: Type.Object({
    Enabled: Type.Boolean(),
    MaxThreads: int(1, 10_000),
    /** Seconds. */
    TimeLimit: int(1, 31_536_000),
    BanHours: int(1, 87_600),
  }, strict),
  /** Parley's addition (reference §7 "our choice"): the timings BareRTC hard-codes; 0 turns a warm-up off. */
  Timings: Type.Object({
    PresenceWarmupSeconds: seconds(0),
    WhoWarmupSeconds: seconds(0),
    PingIntervalSeconds: seconds(0.01),
    PollTimeoutSeconds: seconds(0.01),
    SendQueueSize: int(1, 100_000),
  }, strict),
}, strict);

/** Deeply read-only, as the frozen Config hands it out. */
type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The `[barertc]` settings as the program uses them (frozen). */
export type BarertcSettings = DeepReadonly<Static<typeof BarertcSettingsSchema>>;
/** One `[[barertc.PublicChannels]]` entry. */
export type BarertcChannel = BarertcSettings['PublicChannels'][number];

/** Keys of a pasted BareRTC file that Parley accepts and ignores (for the README and the docs). */
export const IGNORED_KEYS = ['Version', 'WebSocketSendTimeout', 'DirectMessageHistory.SQLiteDatabase'] as const;

// Zero values of BareRTC's Go structs: what a partial [[array]] entry gets for a missing key.
const ITEM_DEFAULTS = {
  PublicChannels: { Name: '', Icon: '', VIP: false, PermitPhotos: false, WelcomeMessages: [], EchoMessagesOnJoin: 0 },
  WebhookURLs: { Name: '', Enabled: false, URL: '' },
  MessageFilters: { Enabled: false, PublicChannels: false, PrivateChannels: false, KeywordPhrases: [], CensorMessage: false, ForwardMessage: false, ReportMessage: false, ChatServerResponse: '' },
  ModerationRule: { Username: '', CameraAlwaysNSFW: false, NoBroadcast: false, NoVideo: false, NoImage: false, NoDarkVideo: false },
} as const;

const channel = (c: Partial<Static<typeof ChannelSchema>> & { ID: string }): Static<typeof ChannelSchema> => ({ ...ITEM_DEFAULTS.PublicChannels, WelcomeMessages: [], ...c });

/** BareRTC's defaults (March 2025 upstream, reference §7), plus Parley's JWT.Algorithms and Timings. */
export const BARERTC_DEFAULTS: Static<typeof BarertcSettingsSchema> = {
  Title: 'BareRTC',
  Branding: 'BareRTC',
  WebsiteURL: 'https://www.example.com',
  CORSHosts: ['https://www.example.com'],
  PermitNSFW: false,
  BlockableAdmins: false,
  UseXForwardedFor: false,
  WebSocketReadLimit: 41_943_040,
  MaxImageWidth: 1280,
  PreviewImageWidth: 360,
  JWT: { Enabled: false, Strict: true, SecretKey: '', LandingPageURL: '', Algorithms: [...HMAC] },
  TURN: { URLs: ['stun:stun.l.google.com:19302'], Username: '', Credential: '' },
  PublicChannels: [
    channel({ ID: 'lobby', Name: 'Lobby', WelcomeMessages: ['Welcome to the chat server!', 'Please follow the basic rules:\n\n1. Have fun\n2. Be kind'], EchoMessagesOnJoin: 10 }),
    channel({ ID: 'offtopic', Name: 'Off Topic', PermitPhotos: true, WelcomeMessages: ['Welcome to the Off Topic channel!'] }),
    channel({ ID: 'vip', Name: 'VIPs Only', VIP: true, PermitPhotos: true, WelcomeMessages: ['This channel is only for operators and VIPs.'] }),
  ],
  WebhookURLs: [
    { Name: 'report', Enabled: false, URL: 'https://example.com/barertc/report' },
    { Name: 'profile', Enabled: false, URL: 'https://example.com/barertc/user-profile' },
  ],
  VIP: { Name: 'VIP', Branding: '<em>VIP Members</em>', Icon: 'fa fa-circle', MutuallySecret: false },
  MessageFilters: [{
    Enabled: false,
    ForwardMessage: false,
    ReportMessage: false,
    PublicChannels: true,
    PrivateChannels: true,
    KeywordPhrases: ['\\bswear words\\b', '\\b(swearing|cursing)\\b', 'suck my ([^\\s]+)'],
    CensorMessage: true,
    ChatServerResponse: 'Watch your language.',
  }],
  ModerationRule: [{ ...ITEM_DEFAULTS.ModerationRule, Username: 'example' }],
  DirectMessageHistory: {
    Enabled: false,
    RetentionDays: 90,
    DisclaimerMessage: '<i class="fa fa-info-circle mr-1"></i> <strong>Reminder:</strong> please conduct yourself honorably in Direct Messages.',
  },
  Strings: {
    ModRuleErrorCameraAlwaysNSFW: 'A chat server moderation rule is currently in place which forces your camera to stay marked as Explicit. Please contact a chat moderator if you have any questions about this.',
    ModRuleErrorNoBroadcast: 'A chat server moderation rule is currently in place which restricts your ability to share your webcam. Please contact a chat operator for more information.',
    ModRuleErrorNoVideo: 'A chat server moderation rule is currently in place which restricts your ability to watch webcams. Please contact a chat operator for more information.',
    ModRuleErrorNoImage: 'A chat server moderation rule is currently in place which restricts your ability to share images. Please contact a chat operator for more information.',
  },
  Logging: { Enabled: false, Directory: './logs', Channels: ['lobby', 'offtopic'], Usernames: [] },
  DMLinkSpamProtection: { Enabled: true, MaxThreads: 5, TimeLimit: 3600, BanHours: 24 },
  Timings: { PresenceWarmupSeconds: 30, WhoWarmupSeconds: 15, PingIntervalSeconds: 30, PollTimeoutSeconds: 60, SendQueueSize: 32 },
};

/** A refused `[barertc]` setting: the dotted key ("barertc.JWT.SecretKey") and what is wrong. */
export interface BarertcSettingsError {
  readonly key: string;
  readonly message: string;
}

/** What parsing the section gives: the frozen settings, or the first problem. */
export type BarertcSettingsResult = { readonly ok: true; readonly settings: BarertcSettings } | { readonly ok: false; readonly error: BarertcSettingsError };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validate the raw `[barertc]` table (undefined when the file has none) with BareRTC's defaults
 * filled in: a missing key keeps its default, a given array replaces the default array (as
 * BareRTC's TOML decoding does) and its entries get Go's zero values for missing keys.
 * `adminApiKey` is the top-level AdminAPIKey: a pasted `AdminAPIKey` that differs is refused,
 * because Parley has one key and a silently ignored second one would lock the website out.
 */
export function parseBarertcSettings(raw: unknown, adminApiKey: string): BarertcSettingsResult {
  if (raw !== undefined && !isRecord(raw)) return fail('barertc', 'must be a table ([barertc])');
  // Copies on both sides: the result is frozen, and neither the defaults nor the caller's table may be.
  const given = structuredClone(raw ?? {});
  const defaults = structuredClone(BARERTC_DEFAULTS);
  const merged: Record<string, unknown> = { ...defaults, ...given };
  for (const [key, value] of Object.entries(defaults)) {
    const g = given[key];
    if (isRecord(value) && isRecord(g)) merged[key] = { ...value, ...g };
  }
  for (const [key, defaults] of Object.entries(ITEM_DEFAULTS)) {
    const g = given[key];
    if (Array.isArray(g)) merged[key] = g.map((item: unknown) => (isRecord(item) ? { ...defaults, ...item } : item));
  }
  const error = [...Value.Errors(BarertcSettingsSchema, merged)][0];
  if (error !== undefined) {
    const path = error.instancePath.split('/').filter(Boolean);
    const missing = 'requiredProperties' in error.params ? String(error.params.requiredProperties) : '';
    const key = ['barertc', ...path, ...(missing ? [missing] : [])].join('.');
    if (error.keyword === 'boolean' || error.message === 'schema is false') return fail(key, 'unknown setting');
    return fail(key, `${mustBe(path, error)}, got ${shown(key, valueAt(merged, path))}`);
  }
  const settings = merged as Static<typeof BarertcSettingsSchema>;
  if (settings.AdminAPIKey !== undefined && settings.AdminAPIKey !== adminApiKey) {
    return fail('barertc.AdminAPIKey', 'differs from the top-level AdminAPIKey; Parley uses the top-level AdminAPIKey for BareRTC, so remove barertc.AdminAPIKey or make the two keys equal');
  }
  for (const [i, c] of settings.PublicChannels.entries()) {
    if (settings.PublicChannels.findIndex((o) => o.ID.toLowerCase() === c.ID.toLowerCase()) !== i) return fail(`barertc.PublicChannels.${i}.ID`, `duplicate channel id ${JSON.stringify(c.ID)}`);
  }
  return { ok: true, settings: deepFreeze(settings) };
}

/**
 * Re-read just `[barertc]` from the settings file (for `/reconfigure`): the new frozen settings,
 * or an error message naming the key. Never throws. `fromEnv`: the PARLEY_BARERTC_* values
 * (Config.barertcFromEnv, paths starting at `barertc`), which win over the file as they did at start.
 */
export async function reloadBarertcSettings(configPath: string, adminApiKey: string, fromEnv: readonly { readonly path: readonly string[]; readonly value: unknown }[] = []): Promise<{ readonly ok: true; readonly settings: BarertcSettings } | { readonly ok: false; readonly error: string }> {
  let raw: Record<string, unknown>;
  try {
    raw = parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, error: `${configPath}: cannot read settings: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  // PARLEY_BARERTC_* variables still win over the file, as at start.
  const section: Record<string, unknown> = isRecord(raw['barertc']) ? structuredClone(raw['barertc']) : {};
  for (const { path, value } of fromEnv) {
    let cur = section;
    for (const part of path.slice(1, -1)) cur = isRecord(cur[part]) ? cur[part] : (cur[part] = {});
    cur[path.at(-1)!] = value;
  }
  const result = parseBarertcSettings(raw['barertc'] === undefined && fromEnv.length === 0 ? undefined : section, adminApiKey);
  return result.ok ? result : { ok: false, error: `${result.error.key} (in ${configPath}): ${result.error.message}` };
}

const fail = (key: string, message: string): BarertcSettingsResult => ({ ok: false, error: { key, message } });

/** The schema at a path of the section (array indices step into `items`). */
function schemaAt(path: readonly string[]): Record<string, unknown> | undefined {
  let schema: unknown = BarertcSettingsSchema;
  for (const part of path) {
    if (!isRecord(schema)) return undefined;
    schema = /^\d+$/.test(part) && isRecord(schema['items']) ? schema['items'] : isRecord(schema['properties']) ? schema['properties'][part] : undefined;
  }
  return isRecord(schema) ? schema : undefined;
}

/** What a refused value must be, in words. */
function mustBe(path: readonly string[], error: { keyword: string; message: string; params: object }): string {
  const schema = error.keyword === 'required' ? undefined : schemaAt(path);
  if (typeof schema?.['description'] === 'string') return `must be ${schema['description']}`;
  if (schema?.['type'] === 'integer' || schema?.['type'] === 'number') return `must be ${schema['type'] === 'integer' ? 'an integer' : 'a number'} between ${String(schema['minimum'])} and ${String(schema['maximum'])}`;
  if (error.keyword === 'required') return 'is required';
  const params = error.params as Record<string, unknown>;
  return Array.isArray(params['allowedValues']) ? `must be one of ${params['allowedValues'].join(', ')}` : error.message;
}

/** A bad value as an error shows it; the secret never. */
function shown(key: string, value: unknown): string {
  if (key.endsWith('SecretKey') || key.endsWith('Credential') || key.endsWith('AdminAPIKey')) return '(hidden)';
  return typeof value === 'number' ? String(value) : JSON.stringify(value) ?? 'nothing';
}

function valueAt(obj: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((cur, p) => (isRecord(cur) || Array.isArray(cur) ? (cur as Record<string, unknown>)[p] : undefined), obj);
}

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}
