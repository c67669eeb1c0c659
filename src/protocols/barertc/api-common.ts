import type { FastifyReply } from 'fastify';
import type { Core } from '../../core/core.js';
import type { OnlineSession } from '../../core/model/relation.js';
import type { Logger } from '../../logger.js';
import { entryOf } from './roster.js';
import type { BarertcClaims } from './socket.js';
import type { Webhooks } from './webhooks.js';
import type { WhoEntry } from './wire.js';

/*
 * What BareRTC's web API handlers share (reference/barertc.md §2.1): options, the body reader with
 * Go's decoding rules, refusals in BareRTC's shape, the API-key check and the shared roster.
 */

/** Largest API body read (checked before parsing); a blocklist of 10,000 names fits. */
export const API_BODY_LIMIT = 512 * 1024;

/** The settings the API reads on every request, so a live reconfigure applies at once. */
export interface ApiSettings {
  /** `CORSHosts`: origins allowed to read /api/statistics. */
  readonly corsHosts: readonly string[];
  /** `[JWT].Enabled`: the user endpoints need it. */
  readonly jwtEnabled: boolean;
  /** `[DirectMessageHistory].Enabled`: the message endpoints need it. */
  readonly dmHistoryEnabled: boolean;
}

/** What BareRTC's web API needs besides the core (reference/barertc.md §2). */
export interface BarertcApiOptions {
  /** The server's AdminAPIKey (compared in constant time through `equal`). */
  readonly adminApiKey: string;
  readonly settings: () => ApiSettings;
  /** HS256 over `[JWT].SecretKey`, with exp = now + 5 min, iat and nbf = now. Rejects when it cannot sign. */
  readonly signJwt: (claims: BarertcClaims) => Promise<string>;
  /** Rejects with a client-safe message when the token does not verify (or JWT is off, or the secret empty). */
  readonly verifyJwt: (token: string) => Promise<BarertcClaims>;
  readonly webhooks: Webhooks;
  /** Markdown → sanitised HTML (DM history is stored as the user typed it). */
  readonly render: (text: string) => string | null;
  /** Constant-time string equality (core Secrets.equal). */
  readonly equal: (a: string, b: string) => boolean;
  /**
   * Called after /api/shutdown has answered and the notice has gone out: end the process non-zero
   * so a supervisor restarts it. Tests inject a recorder; it must never exit a test process.
   */
  readonly shutdown: () => void;
}

/** What each route handler is given. */
export interface ApiContext {
  readonly core: Core;
  readonly logger: Logger;
  readonly options: BarertcApiOptions;
}

/** A JSON answer: its status and body (`OK` first, `Error` only when there is one). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** A refusal in BareRTC's shape: `{"OK":false,"Error":message}` with this status. */
export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A route handler: the decoded body in, an answer out (or an ApiFailure thrown). */
export type ApiHandler = (ctx: ApiContext, body: Body) => Promise<ApiAnswer>;

export const ok = (fields: Record<string, unknown> = {}): ApiAnswer => ({ status: 200, body: { OK: true, ...fields } });

/** JSON type names as Go's decoder words them, for its "cannot unmarshal" errors. */
export const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v);

/**
 * A request body's fields with Go's decoding rules: absent or null gives the zero value, a value of
 * another type refuses the request with 400 and the decoder's wording (§2.1 step 3).
 */
export class Body {
  constructor(private readonly raw: Readonly<Record<string, unknown>>) {}
  #wrong(key: string, goType: string): never {
    throw new ApiFailure(400, `json: cannot unmarshal ${jsonType(this.raw[key])} into Go struct field .${key} of type ${goType}`);
  }
  str(key: string): string {
    const v = this.raw[key];
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : this.#wrong(key, 'string');
  }
  bool(key: string): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return false;
    return typeof v === 'boolean' ? v : this.#wrong(key, 'bool');
  }
  int(key: string): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return 0;
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : this.#wrong(key, 'int');
  }
  strings(key: string): string[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return this.#wrong(key, '[]string');
    return v as string[];
  }
  object(key: string): Readonly<Record<string, unknown>> {
    const v = this.raw[key];
    if (v === undefined || v === null) return {};
    return typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : this.#wrong(key, 'object');
  }
}

/** §2.1 step 4 for admin endpoints: the body's APIKey must be the AdminAPIKey (constant time). */
export function requireApiKey(ctx: ApiContext, body: Body): void {
  if (!ctx.options.equal(body.str('APIKey'), ctx.options.adminApiKey)) throw new ApiFailure(401, 'Authentication denied.');
}

/** The users on the shared roster (every node's sessions), one entry per name, hidden ones included. */
export async function onlineEntries(core: Core): Promise<Map<string, { session: OnlineSession; entry: WhoEntry }>> {
  const byName = new Map<string, { session: OnlineSession; entry: WhoEntry }>();
  // Oldest first: the newest session of a name wins, as in the who lists (roster.ts).
  for (const session of await core.presence.roster('barertc')) {
    const entry = entryOf(session);
    if (entry) byName.set(entry.username, { session, entry });
  }
  return byName;
}

/** Pretty-printed like BareRTC's encoder: two-space indent, a final newline. */
export function sendAnswer(reply: FastifyReply, answer: ApiAnswer): FastifyReply {
  return reply.code(answer.status).type('application/json').send(`${JSON.stringify(answer.body, null, 2)}\n`);
}

export const failure = (status: number, message: string): ApiAnswer => ({ status, body: { OK: false, Error: message } });

