import {
  author, BOOL, ConformanceError, extensions, Fields, INT, isObject, NUMBER, READY_STATE, ROLE, STRING, TIMESTAMP_MS,
  AUTHOR_TYPE, validateChat, validateEnvelope,
  type Author, type Chat, type Envelope, type JsonObject, type Role,
} from './models.js';

// Per-method validators for responses (reference/trueconf.md §2) and server events (§3), the
// frame envelope (§1.1), and the HTTP answers the python client reads (§6.1, §7.1).

/** `{userId, connectionId}`: the python client's auth step crashes without either (§2.1). */
export interface AuthResult { readonly userId: string; readonly connectionId: string }
/** `sendMessage`/`forwardMessage`/`sendSurvey` responses. */
export interface Sent { readonly chatId: string; readonly messageId: string; readonly timestamp: number }
/** `editMessage`/`editSurvey` responses. */
export interface Edited { readonly messageId: string; readonly timestamp: number }
/** `getChatHistory` response; python defaults a missing `messages` to `[]`. */
export interface ChatHistory { readonly chatId: string; readonly count: number; readonly messages?: readonly Envelope[] }
/** A participant in `getChatParticipants`. */
export interface Participant { readonly userId: string; readonly role: Role }

/** Typed success payloads of the methods whose responses the python client models. */
export interface ResponseMap {
  auth: AuthResult;
  sendMessage: Sent; forwardMessage: Sent; sendSurvey: Sent;
  editMessage: Edited; editSurvey: Edited;
  getMessageById: Envelope;
  getChatHistory: ChatHistory;
  createP2PChat: { readonly chatId: string }; createGroupChat: { readonly chatId: string };
  createChannel: { readonly chatId: string }; createFavoritesChat: { readonly chatId: string };
  getChats: readonly Chat[];
  getChatByID: Chat;
  getChatParticipants: { readonly participants: readonly Participant[] };
  hasChatParticipant: { readonly result: boolean };
  getChatParticipant: Participant & { readonly type: number };
  editChatTitle: { readonly chatId: string; readonly timestamp: number };
  uploadFile: { readonly uploadTaskId: string };
  sendFile: Sent & { readonly fileId: string; readonly captionMessageId?: string | null };
  getFileInfo: {
    readonly name: string; readonly size: number; readonly mimeType: string; readonly readyState: number; readonly fileId: string;
    readonly infoHash?: string; readonly downloadUrl?: string | null; readonly previews?: readonly JsonObject[] | null;
  };
  subscribeFileProgress: { readonly result: boolean }; unsubscribeFileProgress: { readonly result: boolean };
  getFileUploadLimits: { readonly extensions: { readonly mode: string; readonly list: readonly string[] } | null; readonly maxSize?: number | null };
  getUserDisplayName: { readonly displayName: string };
}

/** The success payload type of `method`; any object for methods not in {@link ResponseMap}. */
export type ResponseOf<M extends string> = M extends keyof ResponseMap ? ResponseMap[M] : JsonObject;

type Check = (f: Fields) => void;
const ARRAY = { name: 'an array', is: (v: unknown): v is readonly unknown[] => Array.isArray(v) };
const sent: Check = (f) => { f.req('chatId', STRING); f.req('messageId', STRING); f.req('timestamp', TIMESTAMP_MS); };
const edited: Check = (f) => { f.req('messageId', STRING); f.req('timestamp', TIMESTAMP_MS); };
const chatId: Check = (f) => { f.req('chatId', STRING); };
const result: Check = (f) => { f.req('result', BOOL); };

const RESPONSES: Readonly<Record<string, Check>> = {
  auth: (f) => { f.req('userId', STRING); f.req('connectionId', STRING); },
  sendMessage: sent, forwardMessage: sent, sendSurvey: sent,
  editMessage: edited, editSurvey: edited,
  getMessageById: (f) => { validateEnvelope(f.value, f.where); },
  getChatHistory: (f) => {
    f.req('chatId', STRING);
    f.req('count', INT);
    const messages = f.optional('messages', ARRAY);
    if (messages != null) {
      messages.forEach((m, i) => validateEnvelope(m, f.where, `messages[${i}]`));
    }
  },
  createP2PChat: chatId, createGroupChat: chatId, createChannel: chatId, createFavoritesChat: chatId,
  getChatByID: (f) => { validateChat(f.value, f.where); },
  getChatParticipants: (f) => {
    f.arr('participants').forEach((p, i) => {
      const q = Fields.of(f.where, `participants[${i}]`, p);
      q.req('userId', STRING);
      q.req('role', ROLE);
    });
  },
  hasChatParticipant: result,
  getChatParticipant: (f) => { f.req('userId', STRING); f.req('role', ROLE); f.req('type', AUTHOR_TYPE); },
  editChatTitle: (f) => { f.req('chatId', STRING); f.req('timestamp', TIMESTAMP_MS); },
  uploadFile: (f) => { f.req('uploadTaskId', STRING); },
  sendFile: (f) => { sent(f); f.req('fileId', STRING); f.optional('captionMessageId', STRING); },
  getFileInfo: (f) => {
    f.req('name', STRING); f.req('size', INT); f.req('mimeType', STRING); f.req('readyState', READY_STATE);
    // Older servers send infoHash instead; the python client maps it to fileId.
    if (Object.hasOwn(f.value, 'fileId') || !Object.hasOwn(f.value, 'infoHash')) f.req('fileId', STRING);
    else f.req('infoHash', STRING);
    f.optional('downloadUrl', STRING);
    const previews = f.optional('previews', ARRAY);
    if (previews != null) {
      previews.forEach((p, i) => {
        const q = Fields.of(f.where, `previews[${i}]`, p);
        q.req('name', STRING); q.req('size', INT); q.req('mimeType', STRING); q.req('downloadUrl', STRING);
      });
    }
  },
  subscribeFileProgress: result, unsubscribeFileProgress: result,
  getFileUploadLimits: (f) => { extensions(f); f.optional('maxSize', INT); },
  getUserDisplayName: (f) => { f.req('displayName', STRING); },
};

/**
 * Validate the success payload of a response to `method`. `getChats` must be a bare array of
 * chat objects or `{chats: [...]}` (both accepted by the python client); every other method needs
 * an object with the required fields. Throws {@link ConformanceError}.
 */
export function validateResponse<M extends string>(method: M, payload: unknown): ResponseOf<M> {
  const where = `${method} response`;
  if (method === 'getChats') {
    const list = Array.isArray(payload) ? payload : Fields.of(where, '', payload).arr('chats');
    list.forEach((c, i) => validateChat(c, where, Array.isArray(payload) ? `[${i}]` : `chats[${i}]`));
    return (Array.isArray(payload) ? payload : list) as ResponseOf<M>;
  }
  const f = Fields.of(where, '', payload);
  RESPONSES[method]?.(f);
  return payload as ResponseOf<M>;
}

const chatEvent: Check = (f) => { validateChat(f.value, f.where, '', true); };
const member = (by: 'addedBy' | 'removedBy'): Check => (f) => {
  f.req('timestamp', TIMESTAMP_MS); f.req('chatId', STRING); f.req('userId', STRING); author(f, by);
};

const EVENTS: Readonly<Record<string, Check>> = {
  sendMessage: (f) => { validateEnvelope(f.value, f.where); },
  editMessage: (f) => {
    f.req('chatId', STRING); f.req('timestamp', TIMESTAMP_MS);
    const c = f.obj('content');
    c.req('text', STRING); c.req('parseMode', STRING);
  },
  removeMessage: (f) => { f.req('chatId', STRING); f.req('messageId', STRING); author(f, 'removedBy'); },
  createP2PChat: chatEvent, createGroupChat: chatEvent, createChannel: chatEvent, createFavoritesChat: chatEvent,
  addChatParticipant: member('addedBy'),
  removeChatParticipant: member('removedBy'),
  changeParticipantRole: (f) => { f.req('timestamp', TIMESTAMP_MS); f.req('role', ROLE); f.req('chatId', STRING); f.req('userId', STRING); },
  removeChat: chatId,
  editChatTitle: (f) => { f.req('chatId', STRING); f.req('title', STRING); },
  editChatAvatar: (f) => { f.req('chatId', STRING); f.nullable('avatarUrl', STRING); },
  clearHistory: (f) => { f.req('chatId', STRING); f.req('forAll', BOOL); },
  getFileUploadLimits: (f) => { f.nullable('maxSize', INT); extensions(f); },
  uploadFileProgress: (f) => { f.req('fileId', STRING); f.req('progress', INT); },
};

/** Typed payloads of the server events tests look at most. */
export interface EventMap {
  sendMessage: Envelope;
  createP2PChat: Chat; createGroupChat: Chat; createChannel: Chat; createFavoritesChat: Chat;
  removeMessage: { readonly chatId: string; readonly messageId: string; readonly removedBy: Author };
  uploadFileProgress: { readonly fileId: string; readonly progress: number };
}

/** The payload type of event `method`; any object for others. */
export type EventOf<M extends string> = M extends keyof EventMap ? EventMap[M] : JsonObject;

/**
 * Validate the payload of a server request (event) `method` (§3). Unknown methods reach the python
 * client as generic updates, so they only need an object payload. Throws {@link ConformanceError}.
 */
export function validateEvent<M extends string>(method: M, payload: unknown): EventOf<M> {
  const f = Fields.of(`${method} event`, '', payload);
  EVENTS[method]?.(f);
  return payload as EventOf<M>;
}

/** One parsed WebSocket frame (§1.1). */
export type Frame =
  | { readonly type: 1; readonly id: number; readonly method: string; readonly payload?: unknown }
  | { readonly type: 2; readonly id: number; readonly payload?: unknown };

/** Parse and check a text frame: a JSON object, `type` 1 or 2, uint32 `id`, `method` on requests. */
export function parseFrame(text: string): Frame {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ConformanceError('frame', '', `is not JSON: ${text.slice(0, 80)}`);
  }
  const f = Fields.of('frame', '', v);
  const t = f.req('type', { name: '1 (request) or 2 (response)', is: (x): x is 1 | 2 => x === 1 || x === 2 });
  f.req('id', { name: 'a uint32', is: (x): x is number => INT.is(x) && x >= 0 && x <= 0xffffffff });
  if (t === 1) f.req('method', STRING);
  return v as Frame;
}

/** `{userId, connectionId}` of a successful `auth` (§2.1). */
export function validateAuth(payload: unknown): AuthResult {
  return validateResponse('auth', payload);
}

/** A token endpoint success body (§6.1); `expires_at` is unix seconds. */
export interface TokenResponse {
  readonly access_token: string; readonly token_type: 'JWT'; readonly expires_in: number; readonly expires_at: number;
}

/** Validate the 201 body of `POST /bridge/api/client/v1/oauth/token`. */
export function validateTokenResponse(body: unknown): TokenResponse {
  const f = Fields.of('oauth/token 201 body', '', body);
  f.req('access_token', STRING);
  f.req('token_type', { name: '"JWT"', is: (x): x is 'JWT' => x === 'JWT' });
  f.req('expires_in', INT);
  f.req('expires_at', INT);
  return body as TokenResponse;
}

/** Validate `GET /api/v4/server`; versions 5.5.0–5.5.2 make library v1.2+ refuse to start (§7.1). */
export function validateServerInfo(body: unknown): { readonly product: { readonly display_name: string; readonly version: string } } {
  const p = Fields.of('GET /api/v4/server', '', body).obj('product');
  p.req('display_name', STRING);
  const version = p.req('version', STRING);
  if (!/^\d+\.\d+\.\d+/.test(version)) p.fail('version', `must look like 5.5.x.y, got ${JSON.stringify(version)}`);
  if (/^5\.5\.[0-2](\.|$)/.test(version)) p.fail('version', `${version} is refused by python-trueconf-bot v1.2+`);
  return body as ReturnType<typeof validateServerInfo>;
}

/**
 * The python client's local token check (§6.1): no whitespace, three base64url parts, JSON header
 * and payload, and a numeric `exp` (seconds) after `nowSeconds`. Returns the decoded payload.
 */
export function validateTokenLocally(token: string, nowSeconds = Date.now() / 1000): JsonObject {
  const fail = (problem: string): never => { throw new ConformanceError('access_token', '', problem); };
  if (/\s/.test(token)) fail('contains whitespace');
  const parts = token.split('.');
  if (parts.length !== 3) fail(`must have 3 dot-separated parts, has ${parts.length}`);
  parts.forEach((p, i) => { if (!/^[A-Za-z0-9_-]+={0,2}$/.test(p)) fail(`part ${i + 1} is not base64url`); });
  const decode = (part: string, name: string): JsonObject => {
    let v: unknown;
    try {
      v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    } catch {
      return fail(`${name} is not JSON`);
    }
    return isObject(v) ? v : fail(`${name} is not a JSON object`);
  };
  decode(parts[0] ?? '', 'header');
  const claims = decode(parts[1] ?? '', 'payload');
  const exp = Fields.of('access_token', 'payload', claims).req('exp', NUMBER);
  if (exp <= nowSeconds) fail(`payload.exp ${exp} is not in the future`);
  return claims;
}

/** The upload answer `{temporalFileId}`: a non-empty string of at most 200 characters (§6.2). */
export function validateUploadAnswer(body: unknown): string {
  const id = Fields.of('POST /bridge/api/client/v1/files', '', body).req('temporalFileId', STRING);
  if (id.length === 0 || id.length > 200) throw new ConformanceError('POST /bridge/api/client/v1/files', 'temporalFileId', `must be 1-200 characters, has ${id.length}`);
  return id;
}
