import { describe, expect, it } from 'vitest';
import { fetchToken, type TrueConfBot } from './client.js';
import { barrier, createAccount, eventWhere, payloadsOf, RawSocket, uniqueName, useBridgeNode, type Account } from './harness.js';
import type { Envelope } from './models.js';

// reference/trueconf.md §2.2, §2.3, §2.5 and §3: the bot's methods and the events they cause,
// through the python-like conformance client against a node on port 0.
const DOMAIN = 'example.test';
const bridge = useBridgeNode({ env: { PARLEY_DOMAIN: DOMAIN } });
const { bots } = bridge;

const account = (prefix: string, displayName?: string): Promise<Account> => createAccount(bridge.node, uniqueName(prefix), displayName);
const textOf = (m: Envelope): unknown => m.content['text'];
const textsOf = (messages: readonly Envelope[] | undefined): unknown[] => (messages ?? []).map(textOf);

/** A bot and a user, both connected through the bridge, with their P2P chat. */
async function pair() {
  const me = await account('bot');
  const alice = await account('alice', 'Alice Liddell');
  const bot = await bots.connect(me);
  const al = await bots.connect(alice);
  const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
  return { me, alice, bot, al, chatId };
}

/** A group the bot owns, with `members` added through addChatParticipant. */
async function groupOf(bot: TrueConfBot, title: string, ...members: Account[]): Promise<string> {
  const { chatId } = await bot.request('createGroupChat', { title });
  for (const m of members) await bot.request('addChatParticipant', { chatId, userId: m.trueconfId, displayHistory: true });
  return chatId;
}

describe('sendMessage (§2.2) and the sendMessage event (§3, §4)', () => {
  it('answers {chatId, messageId, timestamp} and delivers the envelope to the other member and back to the bot', async () => {
    const { me, bot, al, chatId } = await pair();
    const before = Date.now();
    const sent = await bot.sendMessage(chatId, '<b>hello</b>', 'html');
    expect(sent.chatId).toBe(chatId);
    expect(sent.timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(sent.timestamp).toBeLessThanOrEqual(Date.now() + 1000);
    const got = await al.nextEvent('sendMessage');
    expect(got.payload).toMatchObject({
      messageId: sent.messageId, chatId, timestamp: sent.timestamp, author: { id: me.trueconfId, type: 1 },
      box: { id: expect.any(Number), position: expect.any(String) }, type: 200, content: { text: '<b>hello</b>', parseMode: 'html' }, isEdited: false,
    });
    const own = await bot.nextEvent('sendMessage');
    expect(own.payload.messageId).toBe(sent.messageId);
    expect(own.payload.author.id).toBe(bot.meId);
  });

  it('keeps the parseMode of the request', async () => {
    const { bot, al, chatId } = await pair();
    for (const mode of ['text', 'markdown', 'html'] as const) {
      const sent = await bot.sendMessage(chatId, `*${mode}*`, mode);
      const got = await eventWhere(al, 'sendMessage', (p) => p.messageId === sent.messageId);
      expect(got.payload.content).toEqual({ text: `*${mode}*`, parseMode: mode });
      expect((await bot.request('getMessageById', { messageId: sent.messageId })).content).toEqual({ text: `*${mode}*`, parseMode: mode });
    }
  });

  it('carries replyMessageId in the event of a reply and in getMessageById', async () => {
    const { bot, al, chatId } = await pair();
    const question = await al.sendMessage(chatId, 'question?', 'text');
    const incoming = await eventWhere(bot, 'sendMessage', (p) => p.messageId === question.messageId);
    expect(incoming.payload.replyMessageId ?? null).toBeNull();
    const answer = await bot.sendMessage(chatId, 'answer!', 'text', incoming.payload.messageId);
    const got = await eventWhere(al, 'sendMessage', (p) => p.messageId === answer.messageId);
    expect(got.payload.replyMessageId).toBe(question.messageId);
    expect((await bot.request('getMessageById', { messageId: answer.messageId })).replyMessageId).toBe(question.messageId);
  });

  it('orders a chat by a strictly increasing box.id', async () => {
    const { bot, al, chatId } = await pair();
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) ids.push((await bot.sendMessage(chatId, text, 'text')).messageId);
    const boxes: number[] = [];
    for (const id of ids) boxes.push((await eventWhere(al, 'sendMessage', (p) => p.messageId === id)).payload.box.id);
    expect(boxes).toEqual([...boxes].sort((a, b) => a - b));
    expect(new Set(boxes).size).toBe(3);
  });

  it("delivers the bot's own messages to its other sessions too", async () => {
    const me = await account('twinbot');
    const alice = await account('alice');
    const one = await bots.connect(me);
    const two = await bots.connect(me);
    const { chatId } = await one.request('createP2PChat', { userId: alice.trueconfId });
    const sent = await one.sendMessage(chatId, 'from session one', 'text');
    const seen = await eventWhere(two, 'sendMessage', (p) => p.messageId === sent.messageId);
    expect(seen.payload).toMatchObject({ chatId, author: { id: two.meId, type: 1 }, content: { text: 'from session one' } });
    expect((await one.nextEvent('sendMessage')).payload.messageId).toBe(sent.messageId);
    const back = await two.sendMessage(chatId, 'from session two', 'text');
    expect((await eventWhere(one, 'sendMessage', (p) => p.messageId === back.messageId)).payload.author.id).toBe(one.meId);
  });
});

describe('editMessage, removeMessage, getMessageById (§2.2)', () => {
  it('edits: answers {messageId, timestamp}, sends editMessage, and getMessageById then reads isEdited', async () => {
    const { bot, al, chatId } = await pair();
    const sent = await bot.sendMessage(chatId, 'draft', 'text');
    expect((await bot.request('getMessageById', { messageId: sent.messageId })).isEdited).toBe(false);
    const edited = await bot.request('editMessage', { messageId: sent.messageId, content: { text: 'final', parseMode: 'text' } });
    expect(edited.messageId).toBe(sent.messageId);
    expect(edited.timestamp).toBeGreaterThanOrEqual(sent.timestamp);
    const event = await al.nextEvent('editMessage');
    expect(event.payload).toMatchObject({ chatId, messageId: sent.messageId, timestamp: edited.timestamp, content: { text: 'final', parseMode: 'text' } });
    const read = await bot.request('getMessageById', { messageId: sent.messageId });
    expect(read).toMatchObject({ messageId: sent.messageId, chatId, isEdited: true, content: { text: 'final' }, timestamp: sent.timestamp });
  });

  it('removes: answers {}, sends removeMessage with removedBy, and getMessageById then answers 306', async () => {
    const { bot, al, chatId } = await pair();
    const sent = await bot.sendMessage(chatId, 'oops', 'text');
    expect(await bot.request('removeMessage', { messageId: sent.messageId, forAll: true })).toEqual({});
    const event = await al.nextEvent('removeMessage');
    expect(event.payload).toEqual({ chatId, messageId: sent.messageId, removedBy: { id: bot.meId, type: 1 } });
    await expect(bot.request('getMessageById', { messageId: sent.messageId })).rejects.toMatchObject({ errorCode: 306 });
    await expect(al.request('getMessageById', { messageId: sent.messageId })).rejects.toMatchObject({ errorCode: 306 });
  });

  it('getMessageById answers the full envelope, and 306 for an unknown message', async () => {
    const { me, bot, al, chatId } = await pair();
    const sent = await al.sendMessage(chatId, 'find me', 'text');
    const event = await eventWhere(bot, 'sendMessage', (p) => p.messageId === sent.messageId);
    const read = await bot.request('getMessageById', { messageId: sent.messageId });
    expect(read).toMatchObject({
      messageId: sent.messageId, chatId, timestamp: sent.timestamp, author: { id: al.meId, type: 1 }, box: event.payload.box, type: 200,
      content: { text: 'find me', parseMode: 'text' }, isEdited: false,
    });
    expect(read.author.id).not.toBe(me.trueconfId);
    await expect(bot.request('getMessageById', { messageId: '987654321' })).rejects.toMatchObject({ errorCode: 306 });
  });
});

describe('getChatHistory (§2.2)', () => {
  it('pages backwards from an inclusive fromMessageId, newest first, as in the reference example', async () => {
    const me = await account('histbot');
    const alice = await account('alice');
    const { core } = bridge.node.server;
    const chat = await core.conversations.openDirect(alice.principal, me.user.id);
    for (let i = 1; i <= 25; i++) await core.messages.send(alice.principal, { conversationId: chat.id, text: `m${i}` });
    const bot = await bots.connect(me);
    const chatId = String(chat.id);
    const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, k) => `m${from - k}`);

    const first = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null });
    expect(first.chatId).toBe(chatId);
    expect(textsOf(first.messages)).toEqual(range(25, 16));
    expect(first.count).toBe(10);

    const m16 = first.messages![9]!.messageId;
    const second = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: m16 });
    expect(textsOf(second.messages)).toEqual(range(16, 7));
    expect(second.count).toBe(10);

    const m7 = second.messages![9]!.messageId;
    const third = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: m7 });
    expect(textsOf(third.messages)).toEqual(range(7, 1));
    expect(third.count).toBe(7);
  });

  it('answers 304 for an unknown chat and 305 for a chat the bot is not in', async () => {
    const me = await account('histbot');
    const alice = await account('alice');
    const carol = await account('carol');
    const elsewhere = await bridge.node.server.core.conversations.openDirect(alice.principal, carol.user.id);
    await bridge.node.server.core.messages.send(alice.principal, { conversationId: elsewhere.id, text: 'private' });
    const bot = await bots.connect(me);
    await expect(bot.request('getChatHistory', { chatId: '987654321', count: 10, fromMessageId: null })).rejects.toMatchObject({ errorCode: 304 });
    await expect(bot.request('getChatHistory', { chatId: String(elsewhere.id), count: 10, fromMessageId: null })).rejects.toMatchObject({ errorCode: 305 });
  });
});

describe('P2P and group chats (§2.3)', () => {
  it('createP2PChat answers the same chatId every time, from either side', async () => {
    const { me, bot, al, chatId } = await pair();
    expect((await bot.request('createP2PChat', { userId: al.meId })).chatId).toBe(chatId);
    expect((await al.request('createP2PChat', { userId: me.trueconfId })).chatId).toBe(chatId);
    const chat = await bot.request('getChatByID', { chatId });
    expect(chat).toMatchObject({ chatId, chatType: 1, title: 'Alice Liddell', unreadMessages: 0 });
    expect((await al.request('getChatByID', { chatId })).chatType).toBe(1);
  });

  it('announces a new P2P chat to the other user with one createP2PChat event', async () => {
    const me = await account('p2pbot');
    const alice = await account('alice');
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    await barrier(al); // an event published while the chat was made has arrived by now
    expect(payloadsOf(al, 'createP2PChat')).toEqual([expect.objectContaining({ chatId, chatType: 1, unreadMessages: 0, lastMessage: null })]);
    await bot.request('createP2PChat', { userId: alice.trueconfId });
    await barrier(al);
    expect(payloadsOf(al, 'createP2PChat')).toHaveLength(1);
  });

  it.each([['title'], ['name']])('createGroupChat takes the title as %s and makes the bot its owner', async (key) => {
    const me = await account('groupbot');
    const bot = await bots.connect(me);
    const { chatId } = await bot.request('createGroupChat', { [key]: `Team ${key}` });
    const chat = await bot.request('getChatByID', { chatId });
    expect(chat).toMatchObject({ chatId, title: `Team ${key}`, chatTitle: `Team ${key}`, chatType: 2, unreadMessages: 0 });
    expect((await bot.request('getChatParticipants', { chatId, pageSize: 10, pageNumber: 1 })).participants).toEqual([{ userId: me.trueconfId, role: 'owner' }]);
  });

  it('getChats answers a bare array, pages with count and page, and [] past the end', async () => {
    const me = await account('listbot');
    const alice = await account('alice');
    const bot = await bots.connect(me);
    const ids = [
      (await bot.request('createP2PChat', { userId: alice.trueconfId })).chatId,
      ...(await Promise.all(['G1', 'G2', 'G3'].map(async (title) => (await bot.request('createGroupChat', { title })).chatId))),
    ];
    const all = await bot.request('getChats', { count: 10, page: 1 });
    expect(all.map((c) => c.chatId).sort()).toEqual([...ids].sort());
    const pages = [];
    for (let page = 1; page <= 3; page++) pages.push(await bot.request('getChats', { count: 3, page }));
    expect(pages.map((p) => p.length)).toEqual([3, 1, 0]);
    expect(pages.flat().map((c) => c.chatId).sort()).toEqual([...ids].sort());
    expect(await bot.request('getChats', { count: 10, page: 5 })).toEqual([]);

    // The payload itself is the array, not {chats: [...]}.
    const raw = await RawSocket.open(bridge.node);
    await raw.request(1, 'auth', { token: (await fetchToken(bridge.node.url, me.username, me.password)).access_token, tokenType: 'JWT', receiveUnread: false });
    const { response } = await raw.request(2, 'getChats', { count: 10, page: 1 });
    expect(Array.isArray(response.payload)).toBe(true);
    await raw.close();
  });

  it('getChatByID answers 304 for an unknown chat', async () => {
    const bot = await bots.connect(await account('lookupbot'));
    await expect(bot.request('getChatByID', { chatId: '987654321' })).rejects.toMatchObject({ errorCode: 304 });
  });

  it('getUserDisplayName answers the display name', async () => {
    const bot = await bots.connect(await account('namebot'));
    const alice = await account('alice', 'Alice Liddell');
    expect(await bot.request('getUserDisplayName', { userId: alice.trueconfId })).toEqual({ displayName: 'Alice Liddell' });
  });
});

describe('participants (§2.3, §3)', () => {
  it('lists participants with string roles and answers has/get, 305 for a non-member', async () => {
    const me = await account('partbot');
    const alice = await account('alice');
    const carol = await account('carol');
    const bot = await bots.connect(me);
    const chatId = await groupOf(bot, 'Crew', alice);
    const { participants } = await bot.request('getChatParticipants', { chatId, pageSize: 10, pageNumber: 1 });
    expect(participants).toHaveLength(2);
    expect(participants).toEqual(expect.arrayContaining([{ userId: me.trueconfId, role: 'owner' }, { userId: alice.trueconfId, role: 'user' }]));
    expect((await bot.request('getChatParticipants', { chatId, pageSize: 1, pageNumber: 2 })).participants).toHaveLength(1);
    expect(await bot.request('hasChatParticipant', { chatId, userId: alice.trueconfId })).toEqual({ result: true });
    expect(await bot.request('hasChatParticipant', { chatId, userId: carol.trueconfId })).toEqual({ result: false });
    expect(await bot.request('getChatParticipant', { chatId, userId: alice.trueconfId })).toEqual({ userId: alice.trueconfId, role: 'user', type: 1 });
    await expect(bot.request('getChatParticipant', { chatId, userId: carol.trueconfId })).rejects.toMatchObject({ errorCode: 305 });
  });

  it('addChatParticipant: the added user gets createGroupChat, the others addChatParticipant; 309 when already in', async () => {
    const me = await account('addbot');
    const alice = await account('alice');
    const carol = await account('carol');
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const ca = await bots.connect(carol);
    const chatId = await groupOf(bot, 'Crew', carol);
    expect((await ca.nextEvent('createGroupChat')).payload).toMatchObject({ chatId, title: 'Crew', chatType: 2 });

    expect(await bot.request('addChatParticipant', { chatId, userId: alice.trueconfId, displayHistory: true })).toEqual({});
    const created = await al.nextEvent('createGroupChat');
    expect(created.payload).toMatchObject({ chatId, title: 'Crew', chatType: 2, unreadMessages: expect.any(Number) });
    expect(created.payload).toHaveProperty('lastMessage');
    const added = await eventWhere(ca, 'addChatParticipant', (p) => p['userId'] === alice.trueconfId);
    expect(added.payload).toMatchObject({ chatId, userId: alice.trueconfId, addedBy: { id: me.trueconfId, type: 1 }, timestamp: expect.any(Number) });
    expect((await eventWhere(bot, 'addChatParticipant', (p) => p['userId'] === alice.trueconfId)).payload).toMatchObject({ chatId });

    await expect(bot.request('addChatParticipant', { chatId, userId: alice.trueconfId, displayHistory: true })).rejects.toMatchObject({ errorCode: 309 });
    // The new member now sees the chat.
    expect((await al.request('getChatByID', { chatId })).title).toBe('Crew');
  });

  it('answers 303 when a plain user adds or removes participants', async () => {
    const me = await account('rightsbot');
    const alice = await account('alice');
    const carol = await account('carol');
    const dave = await account('dave');
    const bot = await bots.connect(me);
    const ca = await bots.connect(carol);
    const chatId = await groupOf(bot, 'Crew', alice, carol);
    await expect(ca.request('addChatParticipant', { chatId, userId: dave.trueconfId, displayHistory: true })).rejects.toMatchObject({ errorCode: 303 });
    await expect(ca.request('removeChatParticipant', { chatId, userId: alice.trueconfId, clearHistory: false })).rejects.toMatchObject({ errorCode: 303 });
    expect((await bot.request('getChatParticipants', { chatId, pageSize: 10, pageNumber: 1 })).participants).toHaveLength(3);
  });

  it('removeChatParticipant: removes, tells the chat, and answers 305 when the user is not in it', async () => {
    const me = await account('rmbot');
    const alice = await account('alice');
    const carol = await account('carol');
    const bot = await bots.connect(me);
    const ca = await bots.connect(carol);
    const chatId = await groupOf(bot, 'Crew', alice, carol);
    expect(await bot.request('removeChatParticipant', { chatId, userId: alice.trueconfId, clearHistory: false })).toEqual({});
    const removed = await ca.nextEvent('removeChatParticipant');
    expect(removed.payload).toMatchObject({ chatId, userId: alice.trueconfId, removedBy: { id: me.trueconfId, type: 1 }, timestamp: expect.any(Number) });
    expect(await bot.request('hasChatParticipant', { chatId, userId: alice.trueconfId })).toEqual({ result: false });
    await expect(bot.request('removeChatParticipant', { chatId, userId: alice.trueconfId, clearHistory: false })).rejects.toMatchObject({ errorCode: 305 });
  });

  it('changeParticipantRole: changes and announces the role; 312 for an unknown role, 303 for a plain user', async () => {
    const me = await account('rolebot');
    const alice = await account('alice');
    const carol = await account('carol');
    const bot = await bots.connect(me);
    const ca = await bots.connect(carol);
    const chatId = await groupOf(bot, 'Crew', alice, carol);
    expect(await bot.request('changeParticipantRole', { chatId, userId: alice.trueconfId, role: 'admin' })).toEqual({});
    const changed = await ca.nextEvent('changeParticipantRole');
    expect(changed.payload).toMatchObject({ chatId, userId: alice.trueconfId, role: 'admin', timestamp: expect.any(Number) });
    expect(await bot.request('getChatParticipant', { chatId, userId: alice.trueconfId })).toMatchObject({ role: 'admin' });
    await expect(bot.request('changeParticipantRole', { chatId, userId: alice.trueconfId, role: 'emperor' })).rejects.toMatchObject({ errorCode: 312 });
    await expect(ca.request('changeParticipantRole', { chatId, userId: alice.trueconfId, role: 'user' })).rejects.toMatchObject({ errorCode: 303 });
    expect(await bot.request('getChatParticipant', { chatId, userId: alice.trueconfId })).toMatchObject({ role: 'admin' });
  });
});

describe('chat title, history and removal (§2.3, §3)', () => {
  it('editChatTitle answers {chatId, timestamp} and sends editChatTitle', async () => {
    const me = await account('titlebot');
    const alice = await account('alice');
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const chatId = await groupOf(bot, 'Old name', alice);
    const before = Date.now();
    const res = await bot.request('editChatTitle', { chatId, title: 'New name' });
    expect(res.chatId).toBe(chatId);
    expect(res.timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect((await al.nextEvent('editChatTitle')).payload).toMatchObject({ chatId, title: 'New name' });
    expect((await bot.request('getChatByID', { chatId })).title).toBe('New name');
  });

  it('clearHistory answers {} and sends clearHistory; the history is then empty', async () => {
    const me = await account('clearbot');
    const alice = await account('alice');
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const chatId = await groupOf(bot, 'Noisy', alice);
    await bot.sendMessage(chatId, 'one', 'text');
    await al.sendMessage(chatId, 'two', 'text');
    expect((await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null })).count).toBe(2);
    expect(await bot.request('clearHistory', { chatId, forAll: true })).toEqual({});
    expect((await al.nextEvent('clearHistory')).payload).toEqual({ chatId, forAll: true });
    const after = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null });
    expect(after.count).toBe(0);
    expect(after.messages ?? []).toEqual([]);
  });

  it("clearHistory by a plain user: 303 for everyone's history, and forAll false leaves the others' history alone", async () => {
    const me = await account('clearbot');
    const carol = await account('carol');
    const bot = await bots.connect(me);
    const ca = await bots.connect(carol);
    const chatId = await groupOf(bot, 'Kept', carol);
    await bot.sendMessage(chatId, 'keep me', 'text');
    await expect(ca.request('clearHistory', { chatId, forAll: true })).rejects.toMatchObject({ errorCode: 303 });
    await ca.request('clearHistory', { chatId, forAll: false }).catch(() => undefined); // for carol only, if at all
    expect(textsOf((await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null })).messages)).toEqual(['keep me']);
  });

  it('removeChat answers {} and sends removeChat; getChatByID then answers 304', async () => {
    const me = await account('dropbot');
    const alice = await account('alice');
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const chatId = await groupOf(bot, 'Doomed', alice);
    expect(await bot.request('removeChat', { chatId })).toEqual({});
    expect((await al.nextEvent('removeChat')).payload).toEqual({ chatId });
    expect((await bot.nextEvent('removeChat')).payload).toEqual({ chatId });
    await expect(bot.request('getChatByID', { chatId })).rejects.toMatchObject({ errorCode: 304 });
    await expect(al.request('getChatByID', { chatId })).rejects.toMatchObject({ errorCode: 304 });
    expect((await bot.request('getChats', { count: 10, page: 1 })).map((c) => c.chatId)).not.toContain(chatId);
  });
});
