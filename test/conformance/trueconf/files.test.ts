import { describe, expect, it } from 'vitest';
import { uploadFile } from './client.js';
import { createAccount, eventWhere, uniqueName, useBridgeNode, type Account } from './harness.js';

// reference/trueconf.md §2.4 and §6.2: the file round trip, through the python-like client.
const bridge = useBridgeNode({ env: { PARLEY_DOMAIN: 'example.test' } });
const { bots } = bridge;

const account = (prefix: string): Promise<Account> => createAccount(bridge.node, uniqueName(prefix));
const bytes = (text: string) => new TextEncoder().encode(text);

describe('files (§2.4, §6.2)', () => {
  it('uploads, sends, describes and serves a file to a recipient without credentials', async () => {
    const [me, alice] = [await account('bot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 11, fileName: 'hello.txt' });
    const temporalFileId = await uploadFile(bridge.node.url, uploadTaskId, 'hello.txt', bytes('hello world'), 'text/plain');
    const sent = await bot.request('sendFile', { chatId, content: { temporalFileId, caption: { text: 'see attached', parseMode: 'text' } } });
    const event = await eventWhere(al, 'sendMessage', (p) => p.messageId === sent.messageId);
    expect(event.payload.type).toBe(202);
    expect(event.payload.content).toEqual({ name: 'hello.txt', size: 11, mimeType: 'text/plain', fileId: sent.fileId, readyState: 2 });
    const info = await al.request('getFileInfo', { fileId: sent.fileId });
    expect(info).toMatchObject({ name: 'hello.txt', size: 11, readyState: 2, fileId: sent.fileId });
    const download = await fetch(String(info.downloadUrl));
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('hello world');
    expect((await fetch(String(info.downloadUrl).replace(/\/[^/]+$/, '/not-the-key'))).status).toBe(404);
    await expect(bot.request('sendFile', { chatId, content: { temporalFileId } })).rejects.toMatchObject({ errorCode: 308 }); // single use
  });

  it('keeps an upload when its send fails, and lets only its uploader send it', async () => {
    const [me, alice, eve] = [await account('bot'), await account('alice'), await account('eve')];
    const bot = await bots.connect(me);
    const ev = await bots.connect(eve);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 3, fileName: 'a.bin' });
    const temporalFileId = await uploadFile(bridge.node.url, uploadTaskId, 'a.bin', bytes('abc'), 'application/octet-stream');
    const { chatId: evesNotes } = await ev.request('createFavoritesChat', {});
    await expect(ev.request('sendFile', { chatId: evesNotes, content: { temporalFileId } })).rejects.toMatchObject({ errorCode: 308 });
    await expect(bot.request('sendFile', { chatId: '999999', content: { temporalFileId } })).rejects.toMatchObject({ errorCode: 304 });
    await expect(bot.request('sendFile', { chatId, content: { temporalFileId, caption: { text: 'x'.repeat(4097), parseMode: 'text' } } })).rejects.toMatchObject({ errorCode: 307 });
    await expect(bot.request('sendFile', { chatId, content: { temporalFileId } })).resolves.toMatchObject({ chatId });
  });

  it('answers getChatParticipant with the canonical id, whatever form the request used', async () => {
    const [me, alice] = [await account('bot'), await account('alice')];
    const bot = await bots.connect(me);
    const { chatId } = await bot.request('createGroupChat', { title: 'ids' });
    await bot.request('addChatParticipant', { chatId, userId: alice.trueconfId, displayHistory: true });
    for (const form of [alice.username, `${alice.trueconfId.toUpperCase()}/resource`]) {
      expect((await bot.request('getChatParticipant', { chatId, userId: form })).userId).toBe(alice.trueconfId);
    }
  });

  it('refuses a file over the limit at uploadFile (310), an unknown task (404) and a body larger than announced (413)', async () => {
    const bot = await bots.connect(await account('bot'));
    await expect(bot.request('uploadFile', { fileSize: 50_000_000, fileName: 'big.bin' })).rejects.toMatchObject({ errorCode: 310 });
    const form = () => {
      const fd = new FormData();
      fd.append('file', new Blob([bytes('0123456789')]), 'x.bin');
      return fd;
    };
    expect((await fetch(`${bridge.node.url}/bridge/api/client/v1/files`, { method: 'POST', headers: { 'Upload-Task-Id': 'nope' }, body: form() })).status).toBe(404);
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 4, fileName: 'x.bin' });
    expect((await fetch(`${bridge.node.url}/bridge/api/client/v1/files`, { method: 'POST', headers: { 'Upload-Task-Id': uploadTaskId }, body: form() })).status).toBe(413);
    expect((await fetch(`${bridge.node.url}/bridge/api/client/v1/files`, { method: 'POST', body: form() })).status).toBe(400);
  });

  it('stops describing a file once its message is deleted', async () => {
    const [me, alice] = [await account('bot'), await account('alice')];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { chatId } = await bot.request('createP2PChat', { userId: alice.trueconfId });
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 1, fileName: 'z' });
    const temporalFileId = await uploadFile(bridge.node.url, uploadTaskId, 'z', bytes('z'), 'text/plain');
    const sent = await bot.request('sendFile', { chatId, content: { temporalFileId } });
    await al.request('getFileInfo', { fileId: sent.fileId });
    await bot.request('removeMessage', { messageId: sent.messageId, forAll: true });
    await expect(al.request('getFileInfo', { fileId: sent.fileId })).rejects.toMatchObject({ errorCode: 308 });
  });

  it('treats chat ids beyond the store\'s range as unknown chats (304)', async () => {
    const bot = await bots.connect(await account('bot'));
    await expect(bot.request('getChatByID', { chatId: '99999999999' })).rejects.toMatchObject({ errorCode: 304 });
  });
});
