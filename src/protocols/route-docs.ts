import type { FastifySchema } from 'fastify';
import type { ListenerName, ProtocolName } from './protocol.js';

/*
 * Route schemas that describe a route for the API documents (/openapi.json) without changing a
 * byte of what its clients see. A Fastify route schema is not inert: a `body`, `querystring`,
 * `params` or `headers` schema makes Fastify validate and refuse with ITS 400 shape, and a
 * `response` schema makes it serialize with fast-json-stringify, which drops unlisted fields and
 * may reorder or coerce them. Most routes check their input by hand so that bad input gets the
 * original protocol's exact error (reference/*.md, test/conformance/**), so each route says, by
 * the helper it uses, which parts of its schema are enforced:
 * - documented(): nothing is enforced: a route-level validator compiler that accepts every
 *   input, and the handler keeps its own checks;
 * - validated(): the request parts are enforced by the scope's validator compiler (the route
 *   already validated them before it had documentation).
 * Both serialize replies with plain JSON.stringify, exactly as a route without a response schema.
 */

/** A route's documentation: at least a summary and its protocol's tag (set by the helpers). */
export interface RouteDocs extends FastifySchema {
  readonly summary: string;
  readonly description?: string;
  /** Answers by status code (a `content` map per media type, or one JSON schema). */
  readonly response?: Readonly<Record<number, unknown>>;
}

/** Route options carrying a schema for the documents; spread them into the route's options. */
export interface DocumentedRoute<S extends RouteDocs = RouteDocs> {
  /**
   * The request parts keep their types (a type provider may read them); `response` is widened so
   * that documenting a route's answers does not narrow what `reply.code()` accepts in its handler.
   */
  readonly schema: Omit<S, 'response'> & { readonly tags: string[]; readonly response?: Readonly<Record<number, unknown>> };
  readonly validatorCompiler?: () => () => true;
  readonly serializerCompiler: () => (data: unknown) => string;
}

const acceptAll = () => () => true as const;
/** The same bytes as Fastify's default serializer (reply.js `serialize`: JSON.stringify). */
const plainJson = () => (data: unknown): string => JSON.stringify(data);

/** The route's schema is documentation only: Fastify validates nothing and serializes as without it. */
export function documented<S extends RouteDocs>(protocol: ProtocolName | 'parley', docs: S): DocumentedRoute<S> {
  return { schema: { ...docs, tags: [protocol] }, validatorCompiler: acceptAll, serializerCompiler: plainJson };
}

/** The request parts of the schema are enforced by the scope's validator; responses are documentation only. */
export function validated<S extends RouteDocs>(protocol: ProtocolName, docs: S): DocumentedRoute<S> {
  return { schema: { ...docs, tags: [protocol] }, serializerCompiler: plainJson };
}

/** A response with a body of this media type (`schema` describes it; a string for pages). */
export const reply = (description: string, mediaType: string, schema: unknown = { type: 'string' }, headers?: Record<string, unknown>) =>
  ({ description, content: { [mediaType]: { schema } }, ...(headers ? { headers } : {}) });

/** A JSON response. */
export const jsonReply = (description: string, schema: unknown, headers?: Record<string, unknown>) => reply(description, 'application/json', schema, headers);

/** An HTML page. */
export const htmlReply = (description: string, headers?: Record<string, unknown>) => reply(description, 'text/html', { type: 'string' }, headers);

/** A plain-text answer. */
export const textReply = (description: string) => reply(description, 'text/plain', { type: 'string' });

/** A response without a body (a redirect, a preflight answer, a 201 with a Location). */
export const emptyReply = (description: string, headers?: Record<string, unknown>) => ({ description, type: 'null', ...(headers ? { headers } : {}) });

/** One WebSocket message for the AsyncAPI document: what it is and its JSON payload's schema. */
export interface FrameDocs {
  readonly summary: string;
  readonly payload: unknown;
}

/**
 * One WebSocket endpoint for the AsyncAPI document (/asyncapi.json). `address` uses `{name}` for
 * path parameters; with each parameter replaced by a sample value it must be a path the protocol's
 * socket route matches (a test checks it against the protocols' `sockets`).
 */
export interface ChannelDocs {
  readonly id: string;
  readonly address: string;
  readonly listener: ListenerName;
  readonly title: string;
  /** How the socket authenticates, which subprotocols it answers, its limits and close codes. */
  readonly description: string;
  readonly parameters?: Readonly<Record<string, string>>;
  /** Frames the client sends, by message name. */
  readonly receives: Readonly<Record<string, FrameDocs>>;
  /** Frames the server sends, by message name. */
  readonly sends: Readonly<Record<string, FrameDocs>>;
}
