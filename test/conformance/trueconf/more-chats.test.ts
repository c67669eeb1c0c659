import { describe, expect, it } from 'vitest';
import { uploadFile } from './client.js';
import { createAccount, eventWhere, uniqueName, useBridgeNode, type Account } from './harness.js';

// reference/trueconf.md §2.2 (forwardMessage) and §2.3 (channels, favorites), through the
// python-like conformance client, which rejects any frame missing a field the library needs.
const bridge = useBridgeNode({ env: { PARLEY_DOMAIN: 'example.test' } });
const { bots } = bridge;

const account = (prefix: string): Promise<Account> => createAccount(bridge.node, uniqueName(prefix));

describe('forwardMessage (§2.2)', () => {
  it('copies a message into another chat; members there get a type-201 envelope whose content is the original', async () => {
    const [me, alice, bob] = [await account('bot'), await account('alice'), await account('bob')];
    const bot = await bots.connect(me);
    const bb = await bots.connect(bob);
    const { chatId: withAlice } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const { chatId: withBob } = await bot.request('createP2PChat', { userId: bob.trueconfId });
    const original = await bridge.node.server.core.messages.send(alice.principal, { conversationId: Number(withAlice) as never, text: 'pass it on' });
    const result = await bot.request('forwardMessage', { chatId: withBob, messageId: String(original.id) });
    expect(result.chatId).toBe(withBob);
    const event = await eventWhere(bb, 'sendMessage', (p) => p.messageId === result.messageId);
    expect(event.payload.type).toBe(201);
    expect(event.payload.content).toMatchObject({ messageId: String(original.id), chatId: withAlice, type: 200, author: { id: alice.trueconfId, type: 1 }, content: { text: 'pass it on' } });
    const fetched = await bb.request('getMessageById', { messageId: result.messageId });
    expect(fetched.type).toBe(201);
    await expect(bot.request('forwardMessage', { chatId: withBob, messageId: '999999' })).rejects.toMatchObject({ errorCode: 306 });
  });
});

describe('channels and favorites (§2.3)', () => {
  it('creates a channel (chatType 6) where plain members cannot post (303)', async () => {
    const [me, reader] = [await account('bot'), await account('reader')];
    const bot = await bots.connect(me);
    const rd = await bots.connect(reader);
    const { chatId } = await bot.request('createChannel', { title: 'News' });
    expect((await bot.request('getChatByID', { chatId })).chatType).toBe(6);
    await bot.request('addChatParticipant', { chatId, userId: reader.trueconfId, displayHistory: true });
    const appeared = await rd.nextEvent('createChannel');
    expect(appeared.payload.chatId).toBe(chatId);
    await bot.sendMessage(chatId, 'headline');
    await expect(rd.sendMessage(chatId, 'reply')).rejects.toMatchObject({ errorCode: 303 });
  });

  it('gives the bot one favorites chat (chatType 5), the same id every time', async () => {
    const bot = await bots.connect(await account('bot'));
    const first = await bot.request('createFavoritesChat', {});
    const second = await bot.request('createFavoritesChat', {});
    expect(second.chatId).toBe(first.chatId);
    expect((await bot.request('getChatByID', { chatId: first.chatId })).chatType).toBe(5);
    await bot.sendMessage(first.chatId, 'note to self');
  });
});

describe('removeMessage for the bot only (§2.2)', () => {
  it('hides the message from the bot while the others still see it, and tells nobody', async () => {
    const [me, alice] = [await account('bot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const sent = await al.sendMessage(chatId, 'for both of us');
    await bot.request('removeMessage', { messageId: sent.messageId, forAll: false });
    await expect(bot.request('getMessageById', { messageId: sent.messageId })).rejects.toMatchObject({ errorCode: 306 });
    expect((await al.request('getMessageById', { messageId: sent.messageId })).messageId).toBe(sent.messageId);
    const history = await bot.request('getChatHistory', { chatId, count: 10, fromMessageId: null });
    expect(history.messages?.map((m) => m.messageId)).not.toContain(sent.messageId);
    await al.request('getChats', {}); // a round trip: any removeMessage event would have arrived
    expect(al.events.filter((e) => e.method === 'removeMessage')).toEqual([]);
  });
});

describe('system envelopes (§2.1 receiveSystemMessageEnvelopes)', () => {
  it('delivers membership and title changes as system envelopes to a bot that asked, and not to one that did not', async () => {
    const [me, other, carol] = [await account('bot'), await account('other'), await account('carol')];
    const bot = await bots.connect(me, { receiveSystemMessageEnvelopes: true });
    const plain = await bots.connect(other);
    const { chatId } = await bot.request('createGroupChat', { title: 'Team' });
    await bot.request('addChatParticipant', { chatId, userId: other.trueconfId, displayHistory: true });
    await bot.request('addChatParticipant', { chatId, userId: carol.trueconfId, displayHistory: true });
    const added = await eventWhere(bot, 'sendMessage', (p) => p.type === 1 && (p.content as { userId?: string }).userId === carol.trueconfId);
    expect(added.payload).toMatchObject({ chatId, author: { type: 0 }, content: { role: 'user' } });
    await bot.request('editChatTitle', { chatId, title: 'Crew' });
    const renamed = await eventWhere(bot, 'sendMessage', (p) => p.type === 21);
    expect(renamed.payload.content).toEqual({ title: 'Crew' });
    await plain.request('getChats', {}); // round trip: anything for `plain` has arrived
    expect(plain.events.filter((e) => e.method === 'sendMessage' && (e.payload as { type: number }).type < 200)).toEqual([]);
  });
});

describe('editChatAvatar (§2.3, §3)', () => {
  it('sets a group avatar from an upload; members get editChatAvatar with a URL that serves it', async () => {
    const [me, alice] = [await account('bot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createGroupChat', { title: 'With a face' });
    await bot.request('addChatParticipant', { chatId, userId: alice.trueconfId, displayHistory: true });
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 4, fileName: 'face.png' });
    const temporalFileId = await uploadFile(bridge.node.url, uploadTaskId, 'face.png', new Uint8Array([137, 80, 78, 71]), 'image/png');
    await expect(al.request('editChatAvatar', { chatId, temporalFileId })).rejects.toMatchObject({ errorCode: 303 });
    await bot.request('editChatAvatar', { chatId, temporalFileId });
    const event = await al.nextEvent('editChatAvatar');
    expect(event.payload.chatId).toBe(chatId);
    const chat = await al.request('getChatByID', { chatId });
    expect(chat.avatarUrl).toBe(event.payload.avatarUrl);
    const image = await fetch(String(event.payload.avatarUrl));
    expect([...new Uint8Array(await image.arrayBuffer())]).toEqual([137, 80, 78, 71]);
  });
});

describe('surveys (§2.2 sendSurvey, editSurvey; §4 type 204)', () => {
  it('sends a survey card (type 204) that other protocols read as its title and link, and edits it', async () => {
    const [me, alice] = [await account('bot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const content = { url: 'https://example.test/webtools/survey', appVersion: 1, path: 'abc', title: 'Lunch?', description: '{{Survey}}', buttonText: '{{Go to survey}}', secret: 's', alt: 'Lunch survey' };
    const sent = await bot.request('sendSurvey', { chatId, content });
    const event = await eventWhere(al, 'sendMessage', (p) => p.messageId === sent.messageId);
    expect(event.payload.type).toBe(204);
    expect(event.payload.content).toEqual(content);
    const stored = await bridge.node.server.core.messages.get(alice.principal, Number(sent.messageId) as never);
    expect(stored.text).toBe('Lunch?: https://example.test/webtools/survey');
    const edited = await bot.request('editSurvey', { messageId: sent.messageId, content: { title: 'Dinner?', path: 'abc', description: '{{Survey}}', buttonText: '{{Go to survey}}', alt: 'x' } });
    expect(edited.messageId).toBe(sent.messageId);
    const again = await al.request('getMessageById', { messageId: sent.messageId });
    expect(again).toMatchObject({ type: 204, isEdited: true, content: { title: 'Dinner?', url: content.url } });
    await expect(bot.request('sendSurvey', { chatId, content: { title: 'no url' } })).rejects.toMatchObject({ errorCode: 307 });
  });
});
