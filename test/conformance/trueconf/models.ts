// Strict models of what python-trueconf-bot requires from the server: v1.4 (reference/trueconf.md
// §7.1) and, where the newest library (v1.5.x) requires more, that too (the envelope `chat`). Every validator is a pure function: it returns its input, typed, or throws a
// ConformanceError naming the method/event and the offending field. Nulls are accepted only where
// the reference says the python client lets them through (the chat `title` key, avatar URLs) or
// marks a field `|null`; everywhere else a required key must be present with its JSON type.

/** A JSON object as received. */
export type JsonObject = { readonly [key: string]: unknown };

/** A frame or payload from the server breaks what the python client requires. */
export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
  /** @param where the method or event, e.g. `"sendMessage event"`; @param field the dotted path, `""` for the payload itself */
  constructor(readonly where: string, readonly field: string, readonly problem: string) {
    super(`${where}: ${field === '' ? 'payload' : `field "${field}"`} ${problem}`);
  }
}

/** A JSON type check with a name for error messages. */
export interface JsonType<T> {
  readonly name: string;
  is(v: unknown): v is T;
}

const type = <T>(name: string, is: (v: unknown) => v is T): JsonType<T> => ({ name, is });
const oneOf = <T extends string | number>(name: string, values: readonly T[]): JsonType<T> =>
  type(`${name} (one of ${values.map((v) => JSON.stringify(v)).join(', ')})`, (v): v is T => (values as readonly unknown[]).includes(v));

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const STRING = type('a string', (v): v is string => typeof v === 'string');
export const NUMBER = type('a number', (v): v is number => typeof v === 'number' && Number.isFinite(v));
export const INT = type('an integer', (v): v is number => Number.isSafeInteger(v));
export const BOOL = type('a boolean', (v): v is boolean => typeof v === 'boolean');
/** Epoch milliseconds: an integer of exactly 13 digits (§4). */
export const TIMESTAMP_MS = type('integer epoch milliseconds (13 digits)', (v): v is number => Number.isSafeInteger(v) && (v as number) >= 1e12 && (v as number) < 1e13);

/** Participant roles as strings; numbers make the python client fail (§2.3). */
export const ROLES = ['owner', 'admin', 'user', 'conf_owner', 'conf_moderator', 'favorites_owner', 'writer'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE = oneOf<Role>('a role string', ROLES);
/** EnvelopeTypeEnum (§4). */
export const ENVELOPE_TYPES = [1, 2, 21, 22, 23, 110, 200, 201, 202, 203, 204] as const;
export type EnvelopeType = (typeof ENVELOPE_TYPES)[number];
const ENVELOPE_TYPE = oneOf<EnvelopeType>('an EnvelopeTypeEnum value', ENVELOPE_TYPES);
/** ChatTypeEnum (§2.3). */
export const CHAT_TYPE = oneOf('a ChatTypeEnum value', [0, 1, 2, 3, 5, 6]);
/** EnvelopeAuthorType: 0 system, 1 user. */
export const AUTHOR_TYPE = oneOf('an author type', [0, 1]);
/** FileReadyState: 0 not available, 1 uploading, 2 ready. */
export const READY_STATE = oneOf('a readyState', [0, 1, 2]);

/** Typed access to the keys of one JSON object, failing with the key's full path. */
export class Fields {
  private constructor(readonly where: string, readonly path: string, readonly value: JsonObject) {}

  /** Wrap `v`, which must be a JSON object. */
  static of(where: string, path: string, v: unknown): Fields {
    if (!isObject(v)) throw new ConformanceError(where, path, `must be an object, got ${describe(v)}`);
    return new Fields(where, path, v);
  }

  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  fail(key: string, problem: string): never {
    throw new ConformanceError(this.where, this.at(key), problem);
  }

  /** Required key of type `t`. */
  req<T>(key: string, t: JsonType<T>): T {
    if (!Object.hasOwn(this.value, key)) this.fail(key, 'is missing (python-trueconf-bot requires it)');
    return this.#check(key, t, false);
  }

  /** Required key of type `t` or null. */
  nullable<T>(key: string, t: JsonType<T>): T | null {
    if (!Object.hasOwn(this.value, key)) this.fail(key, 'is missing (the key is required even when null)');
    return this.#check(key, t, true);
  }

  /** Optional key of type `t` or null. */
  optional<T>(key: string, t: JsonType<T>): T | null | undefined {
    return Object.hasOwn(this.value, key) ? this.#check(key, t, true) : undefined;
  }

  /** Required nested object. */
  obj(key: string): Fields {
    return Fields.of(this.where, this.at(key), this.req(key, type('an object', isObject)));
  }

  /** Required array. */
  arr(key: string): readonly unknown[] {
    return this.req(key, type('an array', (v): v is unknown[] => Array.isArray(v)));
  }

  #check<T>(key: string, t: JsonType<T>, nullOk: boolean): T {
    const v = this.value[key];
    if (nullOk && v === null) return v as T;
    if (!t.is(v)) this.fail(key, `must be ${t.name}${nullOk ? ' or null' : ''}, got ${describe(v)}`);
    return v;
  }
}

function describe(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return `${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

// ---------------------------------------------------------------------------------------------
// Envelopes and chats (§4, §2.3)

/** `{id, type}` of an author, `removedBy` or `addedBy`. */
export interface Author { readonly id: string; readonly type: number }
/** The ordering key of an envelope. */
export interface Box { readonly id: number; readonly position: string }
/** The `chat` of an envelope (python v1.5 `Chat`): `chatTitle` may be null but the key must exist. */
export interface EnvelopeChat { readonly chatId: string; readonly chatTitle: string | null; readonly chatType: number }
/** A message envelope (§4). */
export interface Envelope {
  readonly messageId: string; readonly chatId: string; readonly timestamp: number; readonly author: Author;
  readonly box: Box; readonly type: EnvelopeType; readonly content: JsonObject; readonly isEdited: boolean;
  readonly replyMessageId?: string | null;
  readonly chat: EnvelopeChat;
  /** The replied-to message, expanded one level (python v1.5 `Message.reply_message`). */
  readonly replyMessage?: Envelope | null;
}
/** `lastMessage` of a chat object: v1.4 needs no `box` and no `chatId`; v1.5 needs `chat`. */
export type LastMessage = Pick<Envelope, 'messageId' | 'timestamp' | 'author' | 'type' | 'content' | 'chat'>;
/** A chat object (§2.3). */
export interface Chat {
  readonly chatId: string; readonly title: string | null; readonly chatType: number; readonly unreadMessages: number;
  readonly avatarUrl?: string | null; readonly lastMessage?: LastMessage | null;
}

/** Validate an `{id, type}` author object at `f.obj(key)`. */
export function author(f: Fields, key: string): Author {
  const a = f.obj(key);
  return { id: a.req('id', STRING), type: a.req('type', AUTHOR_TYPE) };
}

const CONTENT: Readonly<Record<EnvelopeType, (c: Fields) => void>> = {
  1: (c) => { c.req('userId', STRING); c.req('role', ROLE); },
  2: (c) => { c.req('userId', STRING); },
  21: (c) => { c.req('title', STRING); },
  22: (c) => { c.nullable('avatarUrl', STRING); },
  23: (c) => { c.req('forAll', BOOL); },
  110: (c) => { c.req('userId', STRING); c.req('role', ROLE); },
  200: (c) => { c.req('text', STRING); c.req('parseMode', STRING); },
  201: forwarded,
  202: (c) => {
    c.req('name', STRING); c.req('size', INT); c.req('mimeType', STRING); c.req('fileId', STRING); c.req('readyState', READY_STATE);
  },
  203: (c) => { c.req('latitude', NUMBER); c.req('longitude', NUMBER); c.req('title', STRING); c.optional('description', STRING); },
  204: (c) => { c.req('url', STRING); c.req('title', STRING); },
};

/** Check `content` against the shape its envelope `type` demands (§4 table). */
function content(f: Fields, t: EnvelopeType): JsonObject {
  const c = f.obj('content');
  CONTENT[t](c);
  return c.value;
}

/** Type 201: the content is the original envelope; `isEdited` and `box` are optional there. */
function forwarded(c: Fields): void {
  c.req('messageId', STRING);
  c.req('chatId', STRING);
  c.req('timestamp', TIMESTAMP_MS);
  author(c, 'author');
  content(c, c.req('type', ENVELOPE_TYPE));
  c.optional('isEdited', BOOL);
  if (c.optional('box', type('an object', isObject)) != null) box(c);
}

function box(f: Fields): Box {
  const b = f.obj('box');
  return { id: b.req('id', INT), position: b.req('position', STRING) };
}

/** A full message envelope: `sendMessage` events, `getMessageById`, history items. */
export function validateEnvelope(v: unknown, where: string, path = ''): Envelope {
  const f = Fields.of(where, path, v);
  f.req('messageId', STRING);
  f.req('chatId', STRING);
  f.req('timestamp', TIMESTAMP_MS);
  author(f, 'author');
  box(f);
  content(f, f.req('type', ENVELOPE_TYPE));
  f.req('isEdited', BOOL);
  f.optional('replyMessageId', STRING);
  envelopeChat(f);
  if (f.optional('replyMessage', type('an object', isObject)) != null) validateEnvelope(f.value.replyMessage, where, f.at('replyMessage'));
  return v as Envelope;
}

/** `chat: {chatId, chatTitle, chatType}`: python v1.5's Message, SystemMessage and LastMessage require it. */
function envelopeChat(f: Fields): void {
  const chat = f.obj('chat');
  chat.req('chatId', STRING);
  chat.nullable('chatTitle', STRING);
  chat.req('chatType', CHAT_TYPE);
}

/** `lastMessage` of a chat object (§2.3). */
export function validateLastMessage(v: unknown, where: string, path: string): LastMessage {
  const f = Fields.of(where, path, v);
  f.req('messageId', STRING);
  f.req('timestamp', TIMESTAMP_MS);
  author(f, 'author');
  content(f, f.req('type', ENVELOPE_TYPE));
  envelopeChat(f);
  return v as LastMessage;
}

/**
 * A chat object. `title` may be null (the python client lets null through for strings) but the
 * key must exist; in `create*Chat` events (`inEvent`) the `lastMessage` key must exist too.
 */
export function validateChat(v: unknown, where: string, path = '', inEvent = false): Chat {
  const f = Fields.of(where, path, v);
  f.req('chatId', STRING);
  f.nullable('title', STRING);
  f.req('chatType', CHAT_TYPE);
  f.req('unreadMessages', INT);
  f.optional('avatarUrl', STRING);
  const last = inEvent ? f.nullable('lastMessage', type('an object', isObject)) : f.optional('lastMessage', type('an object', isObject));
  if (last != null) validateLastMessage(last, where, f.at('lastMessage'));
  return v as Chat;
}

/** `getFileUploadLimits` extensions: `{mode: "allow"|"block", list: string[]}` or null. */
export function extensions(f: Fields): void {
  if (f.nullable('extensions', type('an object', isObject)) === null) return;
  const e = f.obj('extensions');
  e.req('mode', oneOf('a mode', ['allow', 'block']));
  e.arr('list').forEach((item, i) => {
    if (typeof item !== 'string') e.fail(`list[${i}]`, `must be a string, got ${describe(item)}`);
  });
}
