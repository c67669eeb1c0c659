import { afterEach, describe, expect, it, vi } from 'vitest';
import { toConversationId } from '../../../src/core/model/ids.js';
import { NO_RATE_LIMITS, testSettings } from '../../helpers/start-node.js';
import { fetchToken, uploadFile, type Frame, type TrueConfBot } from './client.js';
import { barrier, createAccount, eventWhere, payloadsOf, RawSocket, textsOf, uniqueName, useBridgeNode, type Account } from './harness.js';

// Issue #4 acceptance, the gaps left by the other TrueConf conformance suites: error codes 103,
// 300, 302, 305 (unknown users), 307 and 308 (file ids), case-sensitive method names, socket
// errors, file progress (subscribeFileProgress → uploadFileProgress, unsubscribeFileProgress),
// getFileUploadLimits as a method and with configured limits (310), sendFile with caption and
// reply, message permissions (303), and the default receiveUnread cap of 1000
// (reference/trueconf.md §1, §2, §3, §5).
const DOMAIN = 'example.test';
const bridge = useBridgeNode({ env: { PARLEY_DOMAIN: DOMAIN } });
const { bots } = bridge;
afterEach(() => {
  vi.restoreAllMocks();
});

const account = (prefix: string, displayName?: string): Promise<Account> => createAccount(bridge.node, uniqueName(prefix), displayName);
const bytes = (text: string) => new TextEncoder().encode(text);

/** A group the bot owns, with `members` added through addChatParticipant. */
async function groupOf(bot: TrueConfBot, title: string, ...members: Account[]): Promise<string> {
  const { chatId } = await bot.request('createGroupChat', { title });
  for (const m of members) await bot.request('addChatParticipant', { chatId, userId: m.trueconfId, displayHistory: true });
  return chatId;
}

/** A raw socket authenticated as `who`, its getFileUploadLimits push already read. */
async function rawAuthed(who: Account): Promise<RawSocket> {
  const raw = await RawSocket.open(bridge.node);
  const { access_token } = await fetchToken(bridge.node.url, who.username, who.password);
  await raw.request(1, 'auth', { token: access_token, tokenType: 'JWT', receiveUnread: false });
  expect(await raw.next()).toMatchObject({ type: 1, method: 'getFileUploadLimits' });
  return raw;
}

/** Send `frame` as is and read up to the response on `id`; `before` holds the frames that came first. */
async function sendRaw(raw: RawSocket, frame: Record<string, unknown>, id: number): Promise<{ response: Frame; before: Frame[] }> {
  raw.send(frame);
  const before: Frame[] = [];
  for (;;) {
    const f = await raw.next();
    if (f.type === 2 && f.id === id) return { response: f, before };
    before.push(f);
  }
}

describe('errorCode 103: malformed requests (§1.1, §5)', () => {
  const malformed: [string, Record<string, unknown>][] = [
    ['a request without method', { type: 1, id: 11, payload: {} }],
    ['a non-string method', { type: 1, id: 12, method: 42, payload: {} }],
    ['type 0 (RESERVED)', { type: 0, id: 13, method: 'getChats', payload: {} }],
    ['an unknown type', { type: 3, id: 14, method: 'getChats', payload: {} }],
    ['no type at all', { id: 15, method: 'getChats', payload: {} }],
  ];

  it('answers each malformed frame with 103 on its id, before and after auth, and the socket stays usable', async () => {
    const acc = await account('malbot');
    const raw = await RawSocket.open(bridge.node);
    for (const [, frame] of malformed) {
      const { response, before } = await sendRaw(raw, frame, frame['id'] as number);
      expect(before).toEqual([]);
      expect(response).toMatchObject({ type: 2, id: frame['id'], payload: { errorCode: 103 } });
    }
    const { access_token } = await fetchToken(bridge.node.url, acc.username, acc.password);
    await raw.request(1, 'auth', { token: access_token, tokenType: 'JWT', receiveUnread: false });
    for (const [, frame] of malformed) {
      const id = (frame['id'] as number) + 100;
      const { response } = await sendRaw(raw, { ...frame, id }, id);
      expect(response).toMatchObject({ type: 2, id, payload: { errorCode: 103 } });
    }
    const { response } = await raw.request(2, 'getChats', { count: 10, page: 1 });
    expect(Array.isArray(response.payload)).toBe(true);
    await raw.close();
  });

  it('answers nothing to a frame without a usable id (missing, negative, fractional, beyond uint32)', async () => {
    const acc = await account('noidbot');
    const raw = await rawAuthed(acc);
    for (const id of [undefined, -1, 1.5, 4_294_967_296, '7']) raw.send({ type: 1, ...(id === undefined ? {} : { id }), method: 'getChats', payload: {} });
    // Requests are handled in order: had any of them been answered, it would come before this.
    const { response, before } = await raw.request(3, 'getChats', {});
    expect(before).toEqual([]);
    expect(response).toMatchObject({ type: 2, id: 3 });
    await raw.close();
  });

  it('closes the socket with 1007 on a frame that is not a JSON object', async () => {
    for (const text of ['not json at all', '[1,2,3]', '"auth"', 'null']) {
      const raw = await RawSocket.open(bridge.node);
      raw.socket.send(text);
      expect((await raw.socket.closed).code).toBe(1007);
    }
  });
});

describe('errorCode 104: method names are case-sensitive (§2)', () => {
  it('answers getChatById, GetChats and getMessageByID with 104, and serves getChatByID', async () => {
    const bot = await bots.connect(await account('casebot'));
    const { chatId } = await bot.request('createGroupChat', { title: 'Case' });
    for (const method of ['getChatById', 'GetChats', 'getMessageByID', 'clearChatHistory']) {
      await expect(bot.request(method, { chatId, messageId: '1' })).rejects.toMatchObject({ method, errorCode: 104 });
    }
    expect((await bot.request('getChatByID', { chatId })).chatId).toBe(chatId);
  });
});

describe('errorCode 300: internal failures (§5)', () => {
  it('answers an unexpected failure with 300 and a generic description, and the connection stays usable', async () => {
    const me = await account('failbot');
    const bot = await bots.connect(me);
    const { chatId } = await bot.request('createGroupChat', { title: 'Fragile' });
    const sent = await bot.sendMessage(chatId, 'still here', 'text');
    vi.spyOn(bridge.node.server.core.messages, 'get').mockRejectedValueOnce(new Error('disk on fire at /var/lib/secret'));
    const error = await bot.request('getMessageById', { messageId: sent.messageId }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TrueConfError', method: 'getMessageById', errorCode: 300, errorDescription: 'Internal server error' });
    expect((await bot.request('getMessageById', { messageId: sent.messageId })).content).toEqual({ text: 'still here', parseMode: 'text' });
  });
});

describe('errorCode 302: access denied (§5)', () => {
  it('answers a user banned from a group with 302 (carrying the ban reason) for posting and reading', async () => {
    const [me, alice] = [await account('banbot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const chatId = await groupOf(bot, 'Moderated', alice);
    await al.sendMessage(chatId, 'before the ban', 'text');
    await bridge.node.server.core.moderation.ban(me.principal, alice.user.id, toConversationId(Number(chatId)), 'spam', null);
    await expect(al.sendMessage(chatId, 'after the ban', 'text')).rejects.toMatchObject({ method: 'sendMessage', errorCode: 302, errorDescription: 'spam' });
    await expect(al.request('getChatHistory', { chatId, count: 10, fromMessageId: null })).rejects.toMatchObject({ errorCode: 302 });
    // The owner still reads the chat, without the refused message.
    expect((await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null })).messages?.map((m) => m.content['text'])).toEqual(['before the ban']);
  });

  it('answers 302 when a block stands between the bot and the user: createP2PChat and sendMessage', async () => {
    const [me, alice, carol] = [await account('blockbot'), await account('alice'), await account('carol')];
    const bot = await bots.connect(me);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    await bridge.node.server.core.moderation.relate(alice.principal, me.user.id, 'block');
    await expect(bot.sendMessage(chatId, 'hello?', 'text')).rejects.toMatchObject({ method: 'sendMessage', errorCode: 302 });
    await bridge.node.server.core.moderation.relate(me.principal, carol.user.id, 'block');
    await expect(bot.request('createP2PChat', { userId: carol.trueconfId })).rejects.toMatchObject({ method: 'createP2PChat', errorCode: 302 });
  });
});

describe('errorCode 303 for messages (§2.3 roles)', () => {
  it("a plain user can neither edit nor remove someone else's message; an owner can remove it", async () => {
    const [me, alice, carol] = [await account('permbot'), await account('alice'), await account('carol')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const ca = await bots.connect(carol);
    const chatId = await groupOf(bot, 'Rules', alice, carol);
    const sent = await al.sendMessage(chatId, 'mine', 'text');
    await expect(ca.request('editMessage', { messageId: sent.messageId, content: { text: 'yours', parseMode: 'text' } })).rejects.toMatchObject({ errorCode: 303 });
    await expect(ca.request('removeMessage', { messageId: sent.messageId, forAll: true })).rejects.toMatchObject({ errorCode: 303 });
    expect((await ca.request('getMessageById', { messageId: sent.messageId })).content).toEqual({ text: 'mine', parseMode: 'text' });
    expect(await bot.request('removeMessage', { messageId: sent.messageId, forAll: true })).toEqual({});
    const removed = await eventWhere(ca, 'removeMessage', (p) => p.messageId === sent.messageId);
    expect(removed.payload).toEqual({ chatId, messageId: sent.messageId, removedBy: { id: me.trueconfId, type: 1 } });
    await expect(al.request('getMessageById', { messageId: sent.messageId })).rejects.toMatchObject({ errorCode: 306 });
  });
});

describe('errorCode 305 for unknown users (§2.5, §5)', () => {
  it('answers getUserDisplayName and addChatParticipant for an unknown or foreign user with 305, createP2PChat with 304 (issue 9)', async () => {
    const me = await account('whobot');
    const bot = await bots.connect(me);
    const chatId = await groupOf(bot, 'Nobody');
    for (const userId of [`nobody-${uniqueName('x')}@${DOMAIN}`, `${me.username}@elsewhere.test`, '']) {
      await expect(bot.request('getUserDisplayName', { userId })).rejects.toMatchObject({ method: 'getUserDisplayName', errorCode: 305 });
      await expect(bot.request('createP2PChat', { userId })).rejects.toMatchObject({ method: 'createP2PChat', errorCode: 304 });
      await expect(bot.request('addChatParticipant', { chatId, userId, displayHistory: false })).rejects.toMatchObject({ method: 'addChatParticipant', errorCode: 305 });
    }
  });

  it('getUserDisplayName accepts a bare login and a /resource suffix', async () => {
    const bot = await bots.connect(await account('barebot'));
    const alice = await account('alice', 'Alice Liddell');
    expect(await bot.request('getUserDisplayName', { userId: alice.username })).toEqual({ displayName: 'Alice Liddell' });
    expect(await bot.request('getUserDisplayName', { userId: `${alice.trueconfId}/web-42` })).toEqual({ displayName: 'Alice Liddell' });
  });
});

describe('errorCode 307: text limits and malformed content (§2.2, §5)', () => {
  it('accepts 4096 code points (astral ones included) and answers 4097 with 307, for sendMessage and editMessage', async () => {
    const [me, alice] = [await account('longbot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const max = '😀'.repeat(4096); // 4096 visible characters, 8192 UTF-16 units
    const sent = await bot.sendMessage(chatId, max, 'text');
    expect((await eventWhere(al, 'sendMessage', (p) => p.messageId === sent.messageId)).payload.content['text']).toBe(max);
    await expect(bot.sendMessage(chatId, 'x'.repeat(4097), 'text')).rejects.toMatchObject({ method: 'sendMessage', errorCode: 307 });
    await expect(bot.request('editMessage', { messageId: sent.messageId, content: { text: 'y'.repeat(4097), parseMode: 'text' } })).rejects.toMatchObject({ method: 'editMessage', errorCode: 307 });
    expect((await bot.request('getMessageById', { messageId: sent.messageId })).content['text']).toBe(max);
  });

  it('answers 307 for a message without content.text and for an empty chat title', async () => {
    const bot = await bots.connect(await account('shapebot'));
    const chatId = await groupOf(bot, 'Shapes');
    await expect(bot.request('sendMessage', { chatId, replyMessageId: null })).rejects.toMatchObject({ errorCode: 307 });
    await expect(bot.request('sendMessage', { chatId, content: { parseMode: 'text' }, replyMessageId: null })).rejects.toMatchObject({ errorCode: 307 });
    await expect(bot.request('sendMessage', { chatId, content: { text: 42, parseMode: 'text' }, replyMessageId: null })).rejects.toMatchObject({ errorCode: 307 });
    await expect(bot.request('createGroupChat', { title: '' })).rejects.toMatchObject({ method: 'createGroupChat', errorCode: 307 });
    await expect(bot.request('editChatTitle', { chatId, title: '' })).rejects.toMatchObject({ method: 'editChatTitle', errorCode: 307 });
    expect((await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null })).count).toBe(0);
  });
});

describe('file progress and file errors (§2.4, §3)', () => {
  async function sentFile(bot: TrueConfBot, chatId: string, name: string, text: string) {
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: bytes(text).length, fileName: name });
    const temporalFileId = await uploadFile(bridge.node.url, uploadTaskId, name, bytes(text), 'text/plain');
    return bot.request('sendFile', { chatId, content: { temporalFileId } });
  }

  it('subscribeFileProgress answers {result: true} and pushes uploadFileProgress up to the size; unsubscribe answers {result: true}', async () => {
    const [me, alice] = [await account('progbot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const sent = await sentFile(bot, chatId, 'progress.txt', 'twelve bytes');
    expect(await al.request('subscribeFileProgress', { fileId: sent.fileId })).toEqual({ result: true });
    const progress = await eventWhere(al, 'uploadFileProgress', (p) => p.fileId === sent.fileId);
    expect(progress.payload).toEqual({ fileId: sent.fileId, progress: 12 });
    expect(await al.request('unsubscribeFileProgress', { fileId: sent.fileId })).toEqual({ result: true });
    // After the final progress the file reads ready (§2.4 download flow).
    expect(await al.request('getFileInfo', { fileId: sent.fileId })).toMatchObject({ readyState: 2, size: 12, fileId: sent.fileId });
  });

  it('answers 308 for an unknown file id and for a file in a chat the caller is not in, and for sendFile without temporalFileId', async () => {
    const [me, alice, eve] = [await account('fidbot'), await account('alice'), await account('eve')];
    const bot = await bots.connect(me);
    const ev = await bots.connect(eve);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const sent = await sentFile(bot, chatId, 'secret.txt', 'secret');
    for (const method of ['getFileInfo', 'subscribeFileProgress'] as const) {
      await expect(bot.request(method, { fileId: 'no-such-file' })).rejects.toMatchObject({ method, errorCode: 308 });
      await expect(ev.request(method, { fileId: sent.fileId })).rejects.toMatchObject({ method, errorCode: 308 });
    }
    expect(payloadsOf(ev, 'uploadFileProgress')).toEqual([]);
    await expect(bot.request('sendFile', { chatId, content: {} })).rejects.toMatchObject({ method: 'sendFile', errorCode: 308 });
    await expect(bot.request('sendFile', { chatId, content: { temporalFileId: 'never-uploaded' } })).rejects.toMatchObject({ method: 'sendFile', errorCode: 308 });
  });

  it('sendFile with a caption and replyMessageId: the attachment carries the reply, the caption is its own message', async () => {
    const [me, alice] = [await account('capbot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const question = await al.sendMessage(chatId, 'send me the file', 'text');
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 4, fileName: 'r.txt' });
    const temporalFileId = await uploadFile(bridge.node.url, uploadTaskId, 'r.txt', bytes('data'), 'text/plain');
    const sent = await bot.request('sendFile', { chatId, content: { temporalFileId, caption: { text: 'here it is', parseMode: 'markdown' } }, replyMessageId: question.messageId });
    expect(sent).toMatchObject({ chatId, fileId: expect.any(String), captionMessageId: expect.any(String) });
    const file = await eventWhere(al, 'sendMessage', (p) => p.messageId === sent.messageId);
    expect(file.payload).toMatchObject({ type: 202, replyMessageId: question.messageId, content: { name: 'r.txt', size: 4, fileId: sent.fileId, readyState: 2 } });
    const caption = await eventWhere(al, 'sendMessage', (p) => p.messageId === sent.captionMessageId);
    expect(caption.payload).toMatchObject({ type: 200, chatId, content: { text: 'here it is', parseMode: 'markdown' } });
    expect(caption.payload.box.id).toBeGreaterThan(file.payload.box.id);
  });

  it('getFileUploadLimits answers the limits it pushes after auth', async () => {
    const bot = await bots.connect(await account('limbot'));
    const pushed = await bot.nextEvent('getFileUploadLimits');
    const answered = await bot.request('getFileUploadLimits', {});
    expect(answered).toEqual(pushed.payload);
    expect(answered).toEqual({ maxSize: bridge.node.config.files.maxSize, extensions: null });
  });
});

describe('with files.max_size = 16 (§2.4, §3)', () => {
  const smallBridge = useBridgeNode({ env: { PARLEY_DOMAIN: DOMAIN }, settings: testSettings(`[files]\nmax_size = 16\n${NO_RATE_LIMITS}`) });
  const smallBots = smallBridge.bots;

  it('pushes and answers maxSize 16, accepts 16 bytes and answers 310 beyond it or for an invalid size', async () => {
    const bot = await smallBots.connect(await createAccount(smallBridge.node, uniqueName('smallbot')));
    expect((await bot.nextEvent('getFileUploadLimits')).payload).toEqual({ maxSize: 16, extensions: null });
    expect(await bot.request('getFileUploadLimits', {})).toEqual({ maxSize: 16, extensions: null });
    for (const payload of [{ fileSize: 17, fileName: 'a.txt' }, { fileSize: -1, fileName: 'a.txt' }, { fileSize: 1.5, fileName: 'a.txt' }, { fileName: 'a.txt' }]) {
      await expect(bot.request('uploadFile', payload)).rejects.toMatchObject({ method: 'uploadFile', errorCode: 310 });
    }
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 16, fileName: 'a.txt' });
    expect(await uploadFile(smallBridge.node.url, uploadTaskId, 'a.txt', bytes('0123456789abcdef'), 'text/plain')).toEqual(expect.any(String));
  });
});

describe('receiveUnread default cap (§2.1)', () => {
  it('replays the newest 1000 of 1001 unread messages, oldest first', async () => {
    const [me, alice] = [await account('thousandbot'), await account('alice')];
    const { core } = bridge.node.server;
    const chat = await core.conversations.openDirect(alice.principal, me.user.id);
    for (let i = 1; i <= 1001; i++) await core.messages.send(alice.principal, { conversationId: chat.id, text: `u${i}` });
    const bot = await bots.connect(me, { receiveUnread: true });
    await barrier(bot);
    const texts = textsOf(bot);
    expect(texts).toHaveLength(1000);
    expect(texts[0]).toBe('u2');
    expect(texts[999]).toBe('u1001');
    expect(texts).toEqual(Array.from({ length: 1000 }, (_, k) => `u${k + 2}`));
  }, 60_000);
});
