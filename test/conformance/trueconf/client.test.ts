import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  ConformanceError, parseFrame, TrueConfBot, TrueConfError, validateAuth, validateEvent, validateResponse,
  validateServerInfo, validateTokenLocally, validateTokenResponse, validateUploadAnswer,
} from './client.js';
import { validateChat, validateEnvelope } from './models.js';

// The validators of the TrueConf conformance client, fed frames directly (no Parley server), plus
// the client's wire behaviour against a scripted in-process peer.

const TS = 1725921770123;
const envelope = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  messageId: 'm1', chatId: 'c1', timestamp: TS, author: { id: 'a@example.org', type: 1 },
  box: { id: 17, position: '0' }, type: 200, content: { text: 'hi', parseMode: 'text' }, isEdited: false,
  chat: { chatId: 'c1', chatTitle: 'Team', chatType: 2 }, ...over,
});
const chat = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  chatId: 'c1', title: 'Team', chatType: 2, unreadMessages: 0, lastMessage: null, ...over,
});
const without = (o: Record<string, unknown>, key: string): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;

/** Expect `f` to throw a ConformanceError whose message contains `where` and `field`. */
function rejects(f: () => unknown, where: string, field: string): void {
  let error: unknown;
  try { f(); } catch (e) { error = e; }
  expect(error).toBeInstanceOf(ConformanceError);
  expect((error as ConformanceError).message).toContain(where);
  expect((error as ConformanceError).field).toBe(field);
}

describe('event validation', () => {
  it('accepts the reference sendMessage event and rejects one without chatId', () => {
    expect(validateEvent('sendMessage', envelope()).chatId).toBe('c1');
    rejects(() => validateEvent('sendMessage', without(envelope(), 'chatId')), 'sendMessage event', 'chatId');
    rejects(() => validateEvent('sendMessage', without(envelope(), 'isEdited')), 'sendMessage event', 'isEdited');
  });

  it('requires the chat that python v1.5 reads (chatTitle may be null) and checks a replyMessage as an envelope', () => {
    expect(() => validateEvent('sendMessage', envelope({ chat: { chatId: 'c1', chatTitle: null, chatType: 1 } }))).not.toThrow();
    rejects(() => validateEvent('sendMessage', without(envelope(), 'chat')), 'sendMessage event', 'chat');
    rejects(() => validateEvent('sendMessage', envelope({ chat: { chatId: 'c1', chatType: 1 } })), 'sendMessage event', 'chat.chatTitle');
    expect(() => validateEvent('sendMessage', envelope({ replyMessageId: 'm0', replyMessage: envelope({ messageId: 'm0' }) }))).not.toThrow();
    expect(() => validateEvent('sendMessage', envelope({ replyMessageId: 'm0', replyMessage: null }))).not.toThrow();
    rejects(() => validateEvent('sendMessage', envelope({ replyMessage: without(envelope(), 'chat') })), 'sendMessage event', 'replyMessage.chat');
  });

  it('rejects a string box id, a seconds timestamp, an unknown envelope type and a numeric messageId', () => {
    rejects(() => validateEvent('sendMessage', envelope({ box: { id: '17', position: '0' } })), 'sendMessage event', 'box.id');
    rejects(() => validateEvent('sendMessage', envelope({ box: { id: 17, position: 0 } })), 'sendMessage event', 'box.position');
    rejects(() => validateEvent('sendMessage', envelope({ timestamp: 1725921770 })), 'sendMessage event', 'timestamp');
    rejects(() => validateEvent('sendMessage', envelope({ type: 999 })), 'sendMessage event', 'type');
    rejects(() => validateEvent('sendMessage', envelope({ messageId: 5 })), 'sendMessage event', 'messageId');
  });

  it('checks content against the envelope type', () => {
    const file = { name: 'x.png', size: 1487, mimeType: 'image/png', fileId: 'f1', readyState: 2 };
    expect(() => validateEnvelope(envelope({ type: 202, content: file }), 'x')).not.toThrow();
    rejects(() => validateEvent('sendMessage', envelope({ type: 202, content: { ...file, size: '1487' } })), 'sendMessage event', 'content.size');
    rejects(() => validateEvent('sendMessage', envelope({ type: 1, content: { userId: 'u@x', role: 2 } })), 'sendMessage event', 'content.role');
    rejects(() => validateEvent('sendMessage', envelope({ content: { text: 'hi' } })), 'sendMessage event', 'content.parseMode');
  });

  it('requires the lastMessage key in create*Chat events but not in getChatByID', () => {
    expect(validateEvent('createGroupChat', chat()).chatId).toBe('c1');
    rejects(() => validateEvent('createGroupChat', without(chat(), 'lastMessage')), 'createGroupChat event', 'lastMessage');
    expect(validateResponse('getChatByID', without(chat(), 'lastMessage')).chatId).toBe('c1');
  });

  it('checks a lastMessage like python: no box or chatId needed, but the chat v1.5 reads', () => {
    const last = without(without(envelope(), 'box'), 'chatId');
    expect(validateResponse('getChatByID', chat({ lastMessage: last })).chatId).toBe('c1');
    rejects(() => validateResponse('getChatByID', chat({ lastMessage: without(last, 'chat') })), 'getChatByID response', 'lastMessage.chat');
  });

  it('rejects participant events without their required fields or with a numeric role', () => {
    const added = { timestamp: TS, chatId: 'c1', userId: 'u@x', addedBy: { id: 'a@x', type: 1 } };
    expect(() => validateEvent('addChatParticipant', added)).not.toThrow();
    rejects(() => validateEvent('addChatParticipant', without(added, 'addedBy')), 'addChatParticipant event', 'addedBy');
    rejects(() => validateEvent('changeParticipantRole', { timestamp: TS, chatId: 'c1', userId: 'u@x', role: 1 }), 'changeParticipantRole event', 'role');
    rejects(() => validateEvent('removeMessage', { chatId: 'c1', messageId: 'm1' }), 'removeMessage event', 'removedBy');
  });

  it('requires both keys of a pushed getFileUploadLimits, either may be null', () => {
    expect(() => validateEvent('getFileUploadLimits', { maxSize: null, extensions: null })).not.toThrow();
    expect(() => validateEvent('getFileUploadLimits', { maxSize: 10, extensions: { mode: 'allow', list: ['png'] } })).not.toThrow();
    rejects(() => validateEvent('getFileUploadLimits', { extensions: null }), 'getFileUploadLimits event', 'maxSize');
    rejects(() => validateEvent('getFileUploadLimits', { maxSize: 1, extensions: { mode: 'deny', list: [] } }), 'getFileUploadLimits event', 'extensions.mode');
  });

  it('lets unknown events through as long as the payload is an object', () => {
    expect(() => validateEvent('somethingNew', { anything: 1 })).not.toThrow();
    rejects(() => validateEvent('somethingNew', 'text'), 'somethingNew event', '');
  });
});

describe('response validation', () => {
  it('requires both userId and connectionId from auth', () => {
    expect(validateAuth({ userId: 'bot@x/abc', connectionId: 'k' }).userId).toBe('bot@x/abc');
    rejects(() => validateAuth({ userId: 'bot@x/abc' }), 'auth response', 'connectionId');
  });

  it('accepts chat objects with a null title but not without the title key', () => {
    expect(() => validateChat(chat({ title: null }), 'x')).not.toThrow();
    rejects(() => validateResponse('getChatByID', without(chat(), 'title')), 'getChatByID response', 'title');
    rejects(() => validateResponse('getChatByID', chat({ chatType: 4 })), 'getChatByID response', 'chatType');
  });

  it('accepts getChats as a bare array or {chats}, validating every item', () => {
    expect(validateResponse('getChats', [chat()])).toHaveLength(1);
    expect(validateResponse('getChats', { chats: [chat()] })).toHaveLength(1);
    rejects(() => validateResponse('getChats', [chat(), without(chat(), 'unreadMessages')]), 'getChats response', '[1].unreadMessages');
  });

  it('checks method-specific fields', () => {
    expect(() => validateResponse('sendMessage', { chatId: 'c', messageId: 'm', timestamp: TS })).not.toThrow();
    rejects(() => validateResponse('sendMessage', { chatId: 'c', messageId: 'm' }), 'sendMessage response', 'timestamp');
    rejects(() => validateResponse('getChatParticipants', { participants: [{ userId: 'u', role: 0 }] }), 'getChatParticipants response', 'participants[0].role');
    rejects(() => validateResponse('getChatHistory', { chatId: 'c', count: 1, messages: [without(envelope(), 'box')] }), 'getChatHistory response', 'messages[0].box');
    rejects(() => validateResponse('hasChatParticipant', { result: 'yes' }), 'hasChatParticipant response', 'result');
    rejects(() => validateResponse('unsubscribeFileProgress', {}), 'unsubscribeFileProgress response', 'result');
    expect(() => validateResponse('getFileUploadLimits', { extensions: null })).not.toThrow();
    expect(() => validateResponse('removeMessage', {})).not.toThrow();
  });

  it('accepts infoHash in place of fileId in getFileInfo', () => {
    const info = { name: 'a.txt', size: 3, mimeType: 'text/plain', readyState: 2 };
    expect(() => validateResponse('getFileInfo', { ...info, infoHash: 'h' })).not.toThrow();
    expect(() => validateResponse('getFileInfo', { ...info, fileId: 'f', downloadUrl: null })).not.toThrow();
    rejects(() => validateResponse('getFileInfo', info), 'getFileInfo response', 'fileId');
  });
});

describe('frame, token and HTTP validation', () => {
  it('rejects frames with an unknown type, a missing id or a request without method', () => {
    expect(parseFrame('{"type":2,"id":1}')).toEqual({ type: 2, id: 1 });
    rejects(() => parseFrame('{"type":3,"id":1}'), 'frame', 'type');
    rejects(() => parseFrame('{"type":1,"method":"x"}'), 'frame', 'id');
    rejects(() => parseFrame('{"type":1,"id":1}'), 'frame', 'method');
    rejects(() => parseFrame('not json'), 'frame', '');
  });

  it('checks the token response and the token itself as the python client does', () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const body = { access_token: jwt({ exp }), token_type: 'JWT', expires_in: 3600, expires_at: exp };
    expect(validateTokenResponse(body).expires_at).toBe(exp);
    rejects(() => validateTokenResponse({ ...body, expires_at: String(exp) }), 'oauth/token', 'expires_at');
    expect(validateTokenLocally(jwt({ exp })).exp).toBe(exp);
    expect(() => validateTokenLocally(jwt({ exp: exp - 7200 }))).toThrow(/not in the future/);
    expect(() => validateTokenLocally(jwt({ sub: 'x' }))).toThrow(ConformanceError);
    expect(() => validateTokenLocally(`${jwt({ exp })} `)).toThrow(/whitespace/);
    expect(() => validateTokenLocally('a.b')).toThrow(/3 dot-separated/);
  });

  it('checks server info and upload answers', () => {
    expect(validateServerInfo({ product: { display_name: 'example.org', version: '5.5.6.1' } }).product.version).toBe('5.5.6.1');
    rejects(() => validateServerInfo({ product: { version: '5.5.6.1' } }), 'GET /api/v4/server', 'product.display_name');
    expect(() => validateServerInfo({ product: { display_name: 'x', version: '5.5.2.9' } })).toThrow(/refused/);
    expect(validateUploadAnswer({ temporalFileId: 't1' })).toBe('t1');
    expect(() => validateUploadAnswer({ temporalFileId: '' })).toThrow(/1-200/);
    expect(() => validateUploadAnswer({ temporalFileId: 'x'.repeat(201) })).toThrow(/1-200/);
  });
});

describe('TrueConfBot against a scripted peer', () => {
  /** A ws server on port 0 that answers auth with `authAnswer` and then runs `script`. */
  async function peer(authAnswer: Record<string, unknown>, script: (send: (frame: unknown) => void) => void) {
    const wss = new WebSocketServer({ port: 0 });
    await once(wss, 'listening');
    const seen: { path: string; protocol: string | undefined; frames: unknown[] } = { path: '', protocol: undefined, frames: [] };
    wss.on('connection', (ws, req) => {
      seen.path = req.url ?? '';
      seen.protocol = req.headers['sec-websocket-protocol'];
      const send = (f: unknown): void => ws.send(JSON.stringify(f));
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: number; id: number; method?: string };
        seen.frames.push(frame);
        if (frame.method === 'auth') { send({ type: 2, id: frame.id, payload: authAnswer }); script(send); }
        if (frame.method === 'getChatByID') send({ type: 2, id: frame.id, payload: { errorCode: 304 } });
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    return { url, seen, stop: () => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); wss.close(() => r()); }) };
  }

  it('authenticates like python, acknowledges events at once and rejects a malformed one', async () => {
    const p = await peer({ userId: 'bot@example.org/r1', connectionId: 'k1' }, (send) => {
      send({ type: 1, id: 1, method: 'sendMessage', payload: envelope() });
      send({ type: 1, id: 2, method: 'sendMessage', payload: without(envelope(), 'chatId') });
    });
    try {
      const bot = await TrueConfBot.connect(p.url, 'tok', { receiveUnread: true });
      expect(p.seen.path).toBe('/websocket/chat_bot');
      expect(p.seen.protocol).toBeUndefined();
      expect(p.seen.frames[0]).toMatchObject({ type: 1, method: 'auth', payload: { token: 'tok', tokenType: 'JWT', receiveUnread: true } });
      expect(bot.meId).toBe('bot@example.org');
      expect((await bot.nextEvent('sendMessage')).payload.chatId).toBe('c1');
      await expect(bot.nextEvent('sendMessage')).rejects.toThrow(/sendMessage event: field "chatId" is missing/);
      await expect(bot.request('getChatByID', { chatId: 'c9' })).rejects.toEqual(new TrueConfError('getChatByID', 304, undefined));
      expect(p.seen.frames).toEqual(expect.arrayContaining([{ type: 2, id: 1 }, { type: 2, id: 2 }]));
      await bot.close();
    } finally {
      await p.stop();
    }
  });

  it('fails to connect when the auth response lacks connectionId', async () => {
    const p = await peer({ userId: 'bot@example.org' }, () => undefined);
    try {
      await expect(TrueConfBot.connect(p.url, 'tok')).rejects.toThrow(/auth response: field "connectionId" is missing/);
    } finally {
      await p.stop();
    }
  });
});
