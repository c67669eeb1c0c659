import { describe, expect, it } from 'vitest';
import type { TrueConfBot } from './client.js';
import { barrier, createAccount, eventWhere, uniqueName, useBridgeNode, type Account } from './harness.js';

// Issue 9: what python-trueconf-bot (v1.4.4 and the newest v1.5.x, run unchanged against Parley)
// tripped over. Every frame goes through the conformance client, which rejects what either
// library version cannot parse; each test sends what the library sends (reference/trueconf.md).
const DOMAIN = 'example.test';
const bridge = useBridgeNode({ env: { PARLEY_DOMAIN: DOMAIN } });
const { bots } = bridge;

const account = (prefix: string, displayName?: string): Promise<Account> => createAccount(bridge.node, uniqueName(prefix), displayName);

/** A bot and a user, both connected, with their P2P chat. */
async function pair() {
  const [me, alice] = [await account('bot'), await account('alice', 'Alice Liddell')];
  const bot = await bots.connect(me);
  const al = await bots.connect(alice);
  const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
  return { me, alice, bot, al, chatId };
}

/** A group the bot owns, with `members` added as the library adds them. */
async function groupOf(bot: TrueConfBot, title: string, ...members: Account[]): Promise<string> {
  const { chatId } = await bot.request('createGroupChat', { title });
  for (const m of members) await bot.request('addChatParticipant', { chatId, userId: m.trueconfId, displayHistory: true });
  return chatId;
}

/** `sendSurvey` as the library's send_survey() sends it. */
const surveyPayload = (chatId: string, title: string) => ({
  chatId, replyMessageId: null,
  content: {
    url: `https://${DOMAIN}/webtools/survey`, appVersion: 1, path: 'campaign-1', title, description: '{{Survey}}',
    buttonText: '{{Go to survey}}', secret: 'f00d', alt: `📊 <a href='https://${DOMAIN}/webtools/survey?id=campaign-1&error=autologin_not_supported'>${title}</a>`,
  },
});

describe('editMessage with a new parseMode (issue 9, item 7)', () => {
  it('stores and announces the format the edit asks for', async () => {
    const { bot, al, chatId } = await pair();
    const sent = await bot.sendMessage(chatId, 'plain words', 'text');
    // Bot.edit_message(message_id, text, parse_mode) sends {messageId, content: {text, parseMode}}.
    await bot.request('editMessage', { messageId: sent.messageId, content: { text: '<b>bold words</b>', parseMode: 'html' } });
    const event = await al.nextEvent('editMessage');
    expect(event.payload['content']).toEqual({ text: '<b>bold words</b>', parseMode: 'html' });
    expect((await al.request('getMessageById', { messageId: sent.messageId })).content).toEqual({ text: '<b>bold words</b>', parseMode: 'html' });
  });
});

describe('editSurvey (issue 9, item 8)', () => {
  it('announces the edited survey card that getMessageById then returns, still readable as an edit by the library', async () => {
    const { bot, al, chatId } = await pair();
    const sent = await bot.request('sendSurvey', surveyPayload(chatId, 'Lunch?'));
    // Bot.edit_survey() sends editSurvey with path, title, description, buttonText and alt only.
    const alt = `📊 <a href='https://${DOMAIN}/webtools/survey?id=campaign-1&error=autologin_not_supported'>Dinner?</a>`;
    await bot.request('editSurvey', { messageId: sent.messageId, content: { path: 'campaign-1', title: 'Dinner?', description: '{{Anonymous survey}}', buttonText: '{{Go to survey}}', alt } });
    const event = await al.nextEvent('editMessage');
    const stored = await al.request('getMessageById', { messageId: sent.messageId });
    expect(stored).toMatchObject({ type: 204, isEdited: true, content: { url: `https://${DOMAIN}/webtools/survey`, title: 'Dinner?', description: '{{Anonymous survey}}', alt, secret: 'f00d' } });
    // The event carries the same card (the client's model check already saw text and parseMode,
    // which EditedMessage requires of every edit).
    expect(event.payload).toMatchObject({ chatId, messageId: sent.messageId, content: stored.content });
  });

  it('refuses to turn a survey into text with editMessage (307), so the card and its announcements stay one thing', async () => {
    const { bot, chatId } = await pair();
    const sent = await bot.request('sendSurvey', surveyPayload(chatId, 'Lunch?'));
    await expect(bot.request('editMessage', { messageId: sent.messageId, content: { text: 'not a survey', parseMode: 'text' } })).rejects.toMatchObject({ errorCode: 307 });
    expect(await bot.request('getMessageById', { messageId: sent.messageId })).toMatchObject({ type: 204, isEdited: false, content: { title: 'Lunch?' } });
  });
});

describe('lastMessage of chat objects (issue 9, item 9)', () => {
  it('is the newest message envelope in getChats and getChatByID', async () => {
    const { bot, al, chatId } = await pair();
    expect((await bot.request('getChatByID', { chatId })).lastMessage).toBeNull();
    await bot.sendMessage(chatId, 'first', 'text');
    const newest = await al.sendMessage(chatId, 'second', 'markdown');
    const expected = { messageId: newest.messageId, timestamp: newest.timestamp, type: 200, author: { id: al.meId, type: 1 }, content: { text: 'second', parseMode: 'markdown' }, chat: { chatId, chatType: 1 } };
    expect((await bot.request('getChatByID', { chatId })).lastMessage).toMatchObject(expected);
    const listed = (await bot.request('getChats', { count: 50, page: 1 })).find((c) => c.chatId === chatId);
    expect(listed?.lastMessage).toMatchObject(expected);
  });

  it('skips forwards (type 201, which older libraries cannot parse there) and deleted messages', async () => {
    const { bot, al, chatId } = await pair();
    const other = await groupOf(bot, 'Elsewhere');
    const source = await bot.sendMessage(other, 'forward me', 'text');
    const plain = await al.sendMessage(chatId, 'the last plain one', 'text');
    await bot.request('forwardMessage', { chatId, messageId: source.messageId });
    const gone = await al.sendMessage(chatId, 'deleted soon', 'text');
    await al.request('removeMessage', { messageId: gone.messageId, forAll: true });
    expect((await bot.request('getChatByID', { chatId })).lastMessage).toMatchObject({ messageId: plain.messageId, type: 200 });
  });

  it('never shows the bot a message it removed or cleared for itself', async () => {
    const { bot, al, chatId } = await pair();
    const older = await al.sendMessage(chatId, 'older', 'text');
    const newer = await al.sendMessage(chatId, 'newer', 'text');
    await bot.request('removeMessage', { messageId: newer.messageId, forAll: false });
    expect((await bot.request('getChatByID', { chatId })).lastMessage).toMatchObject({ messageId: older.messageId });
    expect((await al.request('getChatByID', { chatId })).lastMessage).toMatchObject({ messageId: newer.messageId });
    await bot.request('clearHistory', { chatId, forAll: false });
    expect((await bot.request('getChatByID', { chatId })).lastMessage).toBeNull();
    expect((await bot.request('getChats', { count: 50, page: 1 })).find((c) => c.chatId === chatId)?.lastMessage).toBeNull();
  });

  it('is the newest message in the createGroupChat event of a bot added to a chat with history', async () => {
    const [owner, me] = [await account('owner'), await account('bot')];
    const ow = await bots.connect(owner);
    const bot = await bots.connect(me);
    const chatId = await groupOf(ow, 'Old hands');
    const newest = await ow.sendMessage(chatId, 'before you came', 'text');
    await ow.request('addChatParticipant', { chatId, userId: me.trueconfId, displayHistory: true });
    const created = await eventWhere(bot, 'createGroupChat', (p) => p.chatId === chatId);
    expect(created.payload.lastMessage).toMatchObject({ messageId: newest.messageId, content: { text: 'before you came' }, chat: { chatId, chatTitle: 'Old hands', chatType: 2 } });
  });
});

describe('chat and replyMessage in envelopes (issue 9, item 10)', () => {
  it('gives every message its chat: the title of a group, null for a P2P chat (titled per reader)', async () => {
    const { bot, al, chatId } = await pair();
    const group = await groupOf(bot, 'Crew', (await account('carol')));
    const inGroup = await bot.sendMessage(group, 'to the crew', 'text');
    const direct = await al.sendMessage(chatId, 'to you', 'text');
    expect((await eventWhere(bot, 'sendMessage', (p) => p.messageId === inGroup.messageId)).payload.chat).toEqual({ chatId: group, chatTitle: 'Crew', chatType: 2 });
    expect((await eventWhere(bot, 'sendMessage', (p) => p.messageId === direct.messageId)).payload.chat).toEqual({ chatId, chatTitle: null, chatType: 1 });
    expect((await bot.request('getMessageById', { messageId: inGroup.messageId })).chat).toEqual({ chatId: group, chatTitle: 'Crew', chatType: 2 });
    const history = await bot.request('getChatHistory', { chatId: group, count: 10, fromMessageId: null });
    expect(history.messages?.map((m) => m.chat)).toEqual(history.messages?.map(() => ({ chatId: group, chatTitle: 'Crew', chatType: 2 })));
  });

  it('expands the replied-to message one level in the event, getMessageById and history', async () => {
    const { bot, al, chatId } = await pair();
    const question = await al.sendMessage(chatId, '/new', 'text');
    const first = await bot.sendMessage(chatId, 'answer', 'html', question.messageId);
    const second = await al.sendMessage(chatId, 'thanks', 'text', first.messageId);
    const inner = { messageId: first.messageId, type: 200, content: { text: 'answer', parseMode: 'html' }, replyMessageId: question.messageId, chat: { chatId, chatTitle: null, chatType: 1 } };
    const event = await eventWhere(bot, 'sendMessage', (p) => p.messageId === second.messageId);
    expect(event.payload).toMatchObject({ replyMessageId: first.messageId, replyMessage: inner });
    // Only the directly referenced message is expanded, as the library documents.
    expect(event.payload.replyMessage?.replyMessage ?? null).toBeNull();
    expect(await bot.request('getMessageById', { messageId: second.messageId })).toMatchObject({ replyMessage: inner });
    const history = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null });
    expect(history.messages?.find((m) => m.messageId === second.messageId)).toMatchObject({ replyMessage: inner });
    expect(history.messages?.find((m) => m.messageId === first.messageId)?.replyMessage).toMatchObject({ messageId: question.messageId, content: { text: '/new' } });
  });

  it('answers replyMessage null when the replied-to message is gone for the reader', async () => {
    const { bot, al, chatId } = await pair();
    const hidden = await al.sendMessage(chatId, 'hide me', 'text');
    const reply = await al.sendMessage(chatId, 'about that', 'text', hidden.messageId);
    await bot.request('removeMessage', { messageId: hidden.messageId, forAll: false });
    expect(await bot.request('getMessageById', { messageId: reply.messageId })).toMatchObject({ replyMessageId: hidden.messageId, replyMessage: null });
    const deleted = await al.sendMessage(chatId, 'delete me', 'text');
    await al.request('removeMessage', { messageId: deleted.messageId, forAll: true });
    const late = await al.sendMessage(chatId, 'too late', 'text', deleted.messageId);
    const event = await eventWhere(bot, 'sendMessage', (p) => p.messageId === late.messageId);
    expect(event.payload).toMatchObject({ replyMessageId: deleted.messageId, replyMessage: null });
  });

  it('puts the chat into replayed unread messages and system envelopes too', async () => {
    const [owner, me, carol] = [await account('owner'), await account('bot'), await account('carol')];
    const ow = await bots.connect(owner);
    const chatId = await groupOf(ow, 'Night shift', me);
    const unread = await ow.sendMessage(chatId, 'while you slept', 'text');
    const bot = await bots.connect(me, { receiveUnread: true, receiveSystemMessageEnvelopes: true });
    const replayed = await eventWhere(bot, 'sendMessage', (p) => p.messageId === unread.messageId);
    expect(replayed.payload.chat).toEqual({ chatId, chatTitle: 'Night shift', chatType: 2 });
    await ow.request('addChatParticipant', { chatId, userId: carol.trueconfId, displayHistory: true });
    const system = await eventWhere(bot, 'sendMessage', (p) => p.type === 1);
    expect(system.payload).toMatchObject({ content: { userId: carol.trueconfId }, chat: { chatId, chatTitle: 'Night shift', chatType: 2 } });
    await barrier(bot);
  });
});

describe('createP2PChat with an unknown user (issue 9, item 11)', () => {
  it('answers 304 with "User not found", not 305 (the user is not a participant of anything)', async () => {
    const bot = await bots.connect(await account('bot'));
    for (const userId of [`nobody-${uniqueName('x')}@${DOMAIN}`, 'someone@elsewhere.test', '']) {
      await expect(bot.request('createP2PChat', { userId })).rejects.toMatchObject({ method: 'createP2PChat', errorCode: 304, errorDescription: 'User not found' });
    }
  });
});
