import { DOMAIN_EVENT_TYPES, type DomainEvent } from '../core/events.js';

/** Wire format version; bump it when the envelope (not an event) changes shape. */
export const ENVELOPE_VERSION = 1;

/**
 * What travels between nodes: the sender's id, so it can drop its own echo, and the event.
 * `sentAt` (the sender's clock, ms since the epoch) gives the bus lag; it was added without a
 * version bump because version-1 decoders ignore fields they do not know, and envelopes from
 * nodes that predate it simply have no lag to measure.
 */
export interface Envelope {
  readonly v: typeof ENVELOPE_VERSION;
  readonly nodeId: string;
  readonly event: DomainEvent;
  readonly sentAt?: number;
}

/** A decoded envelope; `sentAt` is absent when the sender did not stamp one (an older node). */
export type DecodedEnvelope = Omit<Envelope, 'v'>;

const knownTypes: ReadonlySet<string> = new Set(DOMAIN_EVENT_TYPES);

/** Serialise an event from `nodeId` into a version-1 JSON envelope, stamped with `sentAt` (ms) when given. */
export function encodeEnvelope(nodeId: string, event: DomainEvent, sentAt?: number): string {
  const envelope: Envelope = sentAt === undefined ? { v: ENVELOPE_VERSION, nodeId, event } : { v: ENVELOPE_VERSION, nodeId, event, sentAt };
  return JSON.stringify(envelope);
}

/**
 * Parse an envelope from another node. Returns null, never throws, for anything that is not a
 * version-1 envelope with a non-empty nodeId and a known event type: the sender may run another
 * build. Only the outer shape is checked (every message crosses here); event fields are trusted.
 */
export function decodeEnvelope(raw: string): DecodedEnvelope | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(parsed) || parsed['v'] !== ENVELOPE_VERSION) return null;
  const { nodeId, event, sentAt } = parsed;
  if (typeof nodeId !== 'string' || nodeId === '') return null;
  if (!isRecord(event) || typeof event['type'] !== 'string' || !knownTypes.has(event['type'])) return null;
  const decoded = { nodeId, event: event as unknown as DomainEvent };
  return typeof sentAt === 'number' && Number.isFinite(sentAt) ? { ...decoded, sentAt } : decoded;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
