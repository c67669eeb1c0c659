/**
 * Wire shapes of the ChatCLI (chat.puam.be) API (reference/chatcli.md). Bodies are checked by
 * hand in mapping.ts, not by a schema validator, because the original answers each missing or
 * malformed field with its own message and status in a fixed order (§5.3–§5.9).
 */

/** The usual envelope (§3); `status` is "ok" exactly when the HTTP status is 200. */
export interface Envelope {
  readonly status: 'ok' | 'error';
  readonly message: string;
  readonly response: unknown;
  readonly [extra: string]: unknown;
}

/** One chat in `/chat/fetch-chats` (§5.9). */
export interface WireChat {
  readonly chatID: number;
  readonly name: string;
  /**
   * Whether the other participant has a live session now, on any protocol and node (issue 9): the
   * client colours its presence dot from it (`({chatID, name, online})`). Not in the pinned code.
   */
  readonly online: boolean;
}

/** One message in `/chat/messages` (§5.9). */
export interface WireHistoryMessage {
  readonly messageID: number;
  readonly userID: number;
  readonly username: string;
  readonly message: string;
  /** ISO-8601 UTC to the second with `Z`, e.g. 2025-07-14T12:34:56Z (see toTimestamp). */
  readonly timestamp: string;
}

/** Server → client WebSocket frames (§6). */
export type ServerFrame =
  | { readonly type: 'auth_ack'; readonly status: 'ok' }
  | ({ readonly type: 'new_message'; readonly chatID: number } & WireHistoryMessage)
  | { readonly type: 'user_typing'; readonly username: string; readonly chatID: number }
  | { readonly type: 'user_status'; readonly username: string; readonly online: boolean }
  | { readonly type: 'error'; readonly message: string };

/** Client → server WebSocket frames after auth (§6.2); anything else is an unknown action. */
export type ClientFrame =
  | { readonly type: 'join_chat' | 'leave_chat' | 'typing'; readonly chatID?: unknown }
  | { readonly type: 'post_msg'; readonly chatID?: unknown; readonly text?: unknown }
  | { readonly type: 'join_idle' };
