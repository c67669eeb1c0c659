import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../helpers/start-node.js';
import { fetchToken, TrueConfBot, uploadFile } from '../conformance/trueconf/client.js';

// DESIGN.md "Scale-out" for files: a file uploaded through one node is described and served by
// another, with no shared disk (the bytes live in PostgreSQL; the capability uses the shared key).
const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');

describe.runIf(pgAvailable && redisAvailable)('files across two nodes', () => {
  let db: { url: string; drop: () => Promise<void> };
  let a: TestNode;
  let b: TestNode;
  const bots: TrueConfBot[] = [];

  beforeAll(async () => {
    db = await createTempDatabase();
    const env = { PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix() };
    // One settings text for both nodes: the same secrets, as a cluster sharing settings.toml has.
    a = await startNode({ env, settings: testSettings(NO_RATE_LIMITS) });
    b = await startNode({ env, settings: testSettings(NO_RATE_LIMITS) });
  });
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.close()));
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('uploads on node A, and node B delivers the message, describes the file and serves its bytes', async () => {
    for (const name of ['uploader', 'reader']) await a.server.core.users.register({ username: name, password: 'pw' });
    const uploader = await TrueConfBot.connect(a.wsUrl, (await fetchToken(a.url, 'uploader', 'pw')).access_token);
    const reader = await TrueConfBot.connect(b.wsUrl, (await fetchToken(b.url, 'reader', 'pw')).access_token);
    bots.push(uploader, reader);
    const { chatId } = await uploader.request('createP2PChat', { userId: `reader@${a.config.server.domain}` });
    const { uploadTaskId } = await uploader.request('uploadFile', { fileSize: 9, fileName: 'across.txt' });
    const temporalFileId = await uploadFile(a.url, uploadTaskId, 'across.txt', new TextEncoder().encode('two nodes'), 'text/plain');
    const sent = await uploader.request('sendFile', { chatId, content: { temporalFileId } });
    const event = await reader.nextEvent('sendMessage');
    expect(event.payload).toMatchObject({ messageId: sent.messageId, type: 202 });
    const info = await reader.request('getFileInfo', { fileId: sent.fileId });
    expect(String(info.downloadUrl).startsWith(b.url)).toBe(true);
    expect(await (await fetch(String(info.downloadUrl))).text()).toBe('two nodes');
    // The same capability works on the other node too.
    expect(await (await fetch(String(info.downloadUrl).replace(b.url, a.url))).text()).toBe('two nodes');
    // Issue 12: deleted for everyone through node A, the file is gone on node B too (the check is in the database).
    await uploader.request('removeMessage', { messageId: sent.messageId, forAll: true });
    expect((await fetch(String(info.downloadUrl))).status).toBe(404);
    await expect(reader.request('getFileInfo', { fileId: sent.fileId })).rejects.toMatchObject({ errorCode: 308 });
  });
});
