import http from 'node:http';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, testSettings } from '../../helpers/start-node.js';
import { uploadFile, type TrueConfBot } from './client.js';
import { createAccount, uniqueName, useBridgeNode } from './harness.js';

// Issue 8 and 12: what a download URL serves (safe types only, never sniffed; gone once the
// message is deleted for everyone) and how uploads are bounded (reference/trueconf.md §6.2).
const bridge = useBridgeNode({ env: { PARLEY_DOMAIN: 'example.test' } });
const { bots } = bridge;

const bytes = (text: string) => new TextEncoder().encode(text);
const FILES_URL = () => `${bridge.node.url}/bridge/api/client/v1/files`;

/** Upload `content` as `name` with the part type `mimeType`, send it to a new P2P chat; resolves to the file's download URL. */
async function sendFile(bot: TrueConfBot, to: string, name: string, content: Uint8Array, mimeType: string) {
  const { chatId } = await bot.request('createP2PChat', { userId: to });
  const { uploadTaskId } = await bot.request('uploadFile', { fileSize: content.length, fileName: name });
  const temporalFileId = await uploadFile(bridge.node.url, uploadTaskId, name, content, mimeType);
  const sent = await bot.request('sendFile', { chatId, content: { temporalFileId } });
  const info = await bot.request('getFileInfo', { fileId: sent.fileId });
  return { sent, url: String(info.downloadUrl) };
}

/** Rows in the node's `files` table (the node runs on SQLite in its temp dir). */
function storedFiles(): number {
  const db = new Database(bridge.node.config.database.sqliteFile, { readonly: true });
  try {
    return (db.prepare('select count(*) as n from files').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** POST an upload form of one `size`-byte file part with chunked transfer encoding (no Content-Length). */
function postChunked(taskId: string, size: number): Promise<{ status: number; body: unknown }> {
  const url = new URL(FILES_URL());
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'upload-task-id': taskId, 'content-type': 'multipart/form-data; boundary=B0UNDARY', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.write('--B0UNDARY\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n');
    for (let sent = 0; sent < size; sent += 16 * 1024) req.write(Buffer.alloc(16 * 1024, 1));
    req.end('\r\n--B0UNDARY--\r\n');
  });
}

describe('downloads (issue 12)', () => {
  it.each([
    ['page.html', 'text/html'],
    ['logo.svg', 'image/svg+xml'],
  ])('serves an uploaded %s (%s) as an octet-stream attachment with nosniff', async (name, mimeType) => {
    const [me, alice] = [await createAccount(bridge.node, uniqueName('bot')), await createAccount(bridge.node, uniqueName('alice'))];
    const bot = await bots.connect(me);
    const { url } = await sendFile(bot, alice.trueconfId, name, bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), mimeType);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"; filename*=UTF-8''${name}`);
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(await res.text()).toContain('<script>');
  });

  it('keeps image/png and text/plain, with nosniff, shown inline', async () => {
    const [me, alice] = [await createAccount(bridge.node, uniqueName('bot')), await createAccount(bridge.node, uniqueName('alice'))];
    const bot = await bots.connect(me);
    const png = await fetch((await sendFile(bot, alice.trueconfId, 'dot.png', Uint8Array.of(0x89, 0x50, 0x4e, 0x47), 'image/png')).url);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('x-content-type-options')).toBe('nosniff');
    expect(png.headers.get('content-disposition')).toBe('inline; filename="dot.png"; filename*=UTF-8\'\'dot.png');
    const text = await fetch((await sendFile(bot, alice.trueconfId, 'a.txt', bytes('plain'), 'text/plain; charset=utf-8')).url);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(text.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('encodes any file name safely in Content-Disposition (RFC 6266 / RFC 5987)', async () => {
    const [me, alice] = [await createAccount(bridge.node, uniqueName('bot')), await createAccount(bridge.node, uniqueName('alice'))];
    const bot = await bots.connect(me);
    const { url } = await sendFile(bot, alice.trueconfId, "naïve it's (1);50%.html", bytes('x'), 'text/html');
    expect((await fetch(url)).headers.get('content-disposition'))
      .toBe("attachment; filename=\"na_ve it's (1);50_.html\"; filename*=UTF-8''na%C3%AFve%20it%27s%20%281%29%3B50%25.html");
  });

  it('answers 404 at the download URL, and 308 at getFileInfo even to the uploader, once the message is deleted for everyone', async () => {
    const [me, alice] = [await createAccount(bridge.node, uniqueName('bot')), await createAccount(bridge.node, uniqueName('alice'))];
    const bot = await bots.connect(me);
    const al = await bots.connect(alice);
    const { sent, url } = await sendFile(bot, alice.trueconfId, 'gone.png', Uint8Array.of(1, 2, 3), 'image/png');
    expect((await fetch(url)).status).toBe(200);
    await bot.request('removeMessage', { messageId: sent.messageId, forAll: true });
    const res = await fetch(url);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    await expect(bot.request('getFileInfo', { fileId: sent.fileId })).rejects.toMatchObject({ errorCode: 308 });
    await expect(al.request('getFileInfo', { fileId: sent.fileId })).rejects.toMatchObject({ errorCode: 308 });
  });
});

describe('uploads (issue 8)', () => {
  it('refuses a file larger than its task with 413 before storing anything, and the task stays usable', async () => {
    const bot = await bots.connect(await createAccount(bridge.node, uniqueName('bot')));
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 4, fileName: 'x.bin' });
    const before = storedFiles();
    for (const size of [5, 3 * 1024 * 1024]) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(size)]), 'x.bin');
      const res = await fetch(FILES_URL(), { method: 'POST', headers: { 'Upload-Task-Id': uploadTaskId }, body: form });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'File larger than announced' });
    }
    expect(storedFiles()).toBe(before);
    await expect(uploadFile(bridge.node.url, uploadTaskId, 'x.bin', bytes('1234'), 'application/octet-stream')).resolves.toEqual(expect.any(String));
  });

  it('refuses a chunked upload (no declared length) past its task with 413, reads the rest of the form, and keeps serving', async () => {
    const bot = await bots.connect(await createAccount(bridge.node, uniqueName('bot')));
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 4, fileName: 'x.bin' });
    const before = storedFiles();
    // Past 1 MiB, so a parser limit alone would have cut the part (and stalled the request).
    const answer = await postChunked(uploadTaskId, 1024 * 1024 + 16 * 1024);
    expect(answer).toEqual({ status: 413, body: { error: 'File larger than announced' } });
    expect(storedFiles()).toBe(before);
    await expect(uploadFile(bridge.node.url, uploadTaskId, 'x.bin', bytes('1234'), 'application/octet-stream')).resolves.toEqual(expect.any(String));
  });

  it('refuses a form whose file part is missing, and answers 400 without a task header', async () => {
    const bot = await bots.connect(await createAccount(bridge.node, uniqueName('bot')));
    const { uploadTaskId } = await bot.request('uploadFile', { fileSize: 4, fileName: 'x.bin' });
    const form = new FormData();
    form.append('other', new Blob([bytes('1234')]), 'x.bin');
    const res = await fetch(FILES_URL(), { method: 'POST', headers: { 'Upload-Task-Id': uploadTaskId }, body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'The form has no file field' });
  });
});

describe('uploads beyond files.max_concurrent_uploads', () => {
  const capped = useBridgeNode({ settings: testSettings(`${NO_RATE_LIMITS}[files]\nmax_concurrent_uploads = 1\n`) });

  it('wait their turn instead of failing: 8 parallel uploads on a node that stores one at a time all succeed', async () => {
    const bot = await capped.bots.connect(await createAccount(capped.node, uniqueName('bot')));
    const content = new Uint8Array(256 * 1024).fill(1);
    const tasks = await Promise.all(Array.from({ length: 8 }, (_, i) => bot.request('uploadFile', { fileSize: content.length, fileName: `f${i}.bin` })));
    const ids = await Promise.all(tasks.map((t, i) => uploadFile(capped.node.url, t.uploadTaskId, `f${i}.bin`, content, 'application/octet-stream')));
    expect(new Set(ids).size).toBe(8);
  });
});
