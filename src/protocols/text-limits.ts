import type { ProtocolName } from './protocol.js';

/**
 * Each protocol's own limit on message text, in one table (issue 9). The core only enforces a
 * storage ceiling (MAX_TEXT_LENGTH in core/services/validate.ts, large enough for every entry
 * here); what a protocol accepts is the wire contract of its original, measured the way that
 * original measured it, so clients written for it are refused exactly where they were before.
 * Adapters call textLimitRefusal() before their one core call and answer in their own shape.
 */

/** How an original measured text: bytes of its UTF-8 encoding, or Unicode code points. */
export type TextUnit = 'utf8-bytes' | 'code-points';

/** One protocol's limit on a message's text. */
export interface TextLimit {
  /** The longest text accepted, in `unit`s. */
  readonly max: number;
  readonly unit: TextUnit;
  /** Whether an empty text is refused (rather than sent as an empty message). */
  readonly refusesEmpty: boolean;
}

/**
 * The limits. BareRTC's is decided with that protocol (issue 10); a protocol without an entry
 * has only the core's storage ceiling.
 */
export const TEXT_LIMITS = {
  /**
   * ChatCLI stored `messages.message` in a MySQL TEXT column: at most 65,535 bytes, utf8mb4
   * (reference/chatcli.md §7). Its post_msg ignored an empty text (`if not text`, §6.2); Parley
   * answers it instead, so the sender learns why nothing appeared.
   */
  chatcli: { max: 65_535, unit: 'utf8-bytes', refusesEmpty: true },
  /**
   * TrueConf: at most 4,096 visible characters, counted as code points, for texts and captions
   * (reference/trueconf.md §2.2). Its clients check this before sending.
   */
  trueconf: { max: 4_096, unit: 'code-points', refusesEmpty: false },
  /**
   * connor: no text limit of its own; a writer's whole frame is at most 512 bytes (gorilla's read
   * limit, reference/connor.md §8.4; connor/socket.ts MAX_FRAME_BYTES), so its text is shorter
   * still. The frame limit is what enforces it, before any JSON is parsed; this entry records the
   * bound. An empty text is broadcast, as in the original (§8.4: `{}` is an empty message).
   */
  connor: { max: 512, unit: 'utf8-bytes', refusesEmpty: false },
} as const satisfies Partial<Record<ProtocolName, TextLimit>>;

/** The protocols that have a limit of their own. */
export type LimitedProtocol = keyof typeof TEXT_LIMITS;

const UNIT_NAMES: Record<TextUnit, string> = { 'utf8-bytes': 'bytes of UTF-8', 'code-points': 'characters' };

/**
 * Why `protocol` refuses this text, as a short English sentence for the protocol's own error shape,
 * or null when it is accepted. Lengths are measured in the protocol's unit (a lone surrogate
 * counts as the 3 bytes of U+FFFD it is encoded as).
 */
export function textLimitRefusal(protocol: LimitedProtocol, text: string): string | null {
  const limit: TextLimit = TEXT_LIMITS[protocol];
  if (text === '') return limit.refusesEmpty ? 'Text is empty' : null;
  const length = limit.unit === 'utf8-bytes' ? Buffer.byteLength(text, 'utf8') : codePoints(text);
  return length > limit.max ? `Text longer than ${limit.max} ${UNIT_NAMES[limit.unit]} (it has ${length})` : null;
}

/** Code points, counted without building an array of them. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
