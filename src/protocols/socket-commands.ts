import { Compile } from 'typebox/compile';
import type { Static, TSchema } from 'typebox';
import type { Connection } from './protocol.js';

/**
 * One inbound socket command of a protocol: the schema its frame must match, and what it does
 * (decode → one core call → encode). `run` receives the frame already checked against `schema`.
 */
export interface SocketCommand<S, T extends TSchema = TSchema> {
  readonly schema: T;
  run(conn: Connection<S>, frame: Static<T>): Promise<void> | void;
}

/** Declare a command with its schema, keeping the frame's static type for `run`. */
export const command = <S, T extends TSchema>(schema: T, run: (conn: Connection<S>, frame: Static<T>) => Promise<void> | void): SocketCommand<S> =>
  ({ schema, run }) as SocketCommand<S>;

/** What a protocol does with frames no command takes, and with the errors its commands throw. */
export interface CommandFallbacks<S> {
  /** A frame naming no known command. */
  unknown(conn: Connection<S>, type: unknown): void;
  /** A known command whose frame does not match its schema. */
  invalid(conn: Connection<S>, type: string): void;
  /** The one place a surface's command errors become wire answers; rethrow what it cannot answer. */
  failed(conn: Connection<S>, type: string, error: unknown): void;
}

/**
 * A protocol's socket commands as one dispatcher: each frame is routed by its `type`, validated
 * by its command's schema (compiled once), run, and its failure mapped in one place.
 */
export function createCommandTable<S>(commands: Readonly<Record<string, SocketCommand<S>>>, fallbacks: CommandFallbacks<S>) {
  const compiled = new Map(Object.entries(commands).map(([type, c]) => [type, { validator: Compile(c.schema), run: c.run }]));
  return async function dispatch(conn: Connection<S>, frame: Record<string, unknown>): Promise<void> {
    const type = frame['type'];
    const entry = typeof type === 'string' ? compiled.get(type) : undefined;
    if (!entry || typeof type !== 'string') return fallbacks.unknown(conn, type);
    if (!entry.validator.Check(frame)) return fallbacks.invalid(conn, type);
    try {
      await entry.run(conn, frame);
    } catch (e) {
      fallbacks.failed(conn, type, e);
    }
  };
}
