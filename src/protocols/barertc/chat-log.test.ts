import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../core/events.js';
import type { ConversationKind } from '../../core/model/conversation.js';
import { toConversationId, toMessageId, toUserId, type UserId } from '../../core/model/ids.js';
import { createChatLog, fileSegment, type ChatLogSettings } from './chat-log.js';

const NAMES = new Map<UserId, string>([
  [toUserId(1), 'alice'],
  [toUserId(2), 'bob'],
  [toUserId(3), '../evil'],
]);
const AT = Date.UTC(2026, 11, 3, 9, 30, 5, 123);

function created(kind: ConversationKind, authorId: number, text: string, opts: { title?: string; members?: number[] } = {}): DomainEvent {
  const author = { id: toUserId(authorId), username: NAMES.get(toUserId(authorId))!, displayName: '' };
  const message = { id: toMessageId(7), conversationId: toConversationId(1), authorId: author.id, text, format: 'markdown' as const, replyToId: null, clientId: null, createdAt: AT, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null };
  const audience = { conversationId: toConversationId(1), kind, memberIds: (opts.members ?? []).map(toUserId), ...(opts.title !== undefined ? { title: opts.title } : {}) };
  return { type: 'message.created', audience, message, author };
}

describe('BareRTC chat logs (reference §6.4)', () => {
  let dir: string;
  let settings: ChatLogSettings;
  const log = () => createChatLog({ settings: () => settings, usernamesOf: async (ids) => new Map(ids.map((id) => [id, NAMES.get(id)!])), logger: pino({ level: 'silent' }) });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-chatlog-'));
    settings = { Enabled: true, Directory: dir, Channels: ['lobby'], Usernames: ['alice'] };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('appends the listed channels as "<RFC 3339> [sender] <raw text>" lines, in order, and only those', async () => {
    const l = log();
    l.onEvent(created('room', 1, 'hello **world**', { title: 'lobby' }));
    l.onEvent(created('room', 2, 'second', { title: 'lobby' }));
    l.onEvent(created('room', 2, 'not logged', { title: 'offtopic' }));
    await l.flush();
    expect(await readFile(join(dir, 'lobby.txt'), 'utf8')).toBe('2026-12-03T09:30:05Z [alice] hello **world**\n2026-12-03T09:30:05Z [bob] second\n');
    await expect(readFile(join(dir, 'offtopic.txt'), 'utf8')).rejects.toThrow();
  });

  it("writes a listed user's DMs, both directions, to @user/other.txt, and nobody else's", async () => {
    const l = log();
    l.onEvent(created('direct', 2, 'hi alice', { members: [1, 2] }));
    l.onEvent(created('direct', 1, 'hi bob', { members: [1, 2] }));
    l.onEvent(created('direct', 2, 'psst', { members: [2, 3] }));
    await l.flush();
    expect(await readFile(join(dir, '@alice', 'bob.txt'), 'utf8')).toBe('2026-12-03T09:30:05Z [bob] hi alice\n2026-12-03T09:30:05Z [alice] hi bob\n');
    await expect(readFile(join(dir, '@bob', 'alice.txt'), 'utf8')).rejects.toThrow();
  });

  it('keeps look-alike names inside the directory', async () => {
    settings = { ...settings, Usernames: ['../evil'] };
    const l = log();
    l.onEvent(created('direct', 3, 'x', { members: [3, 1] }));
    await l.flush();
    expect(fileSegment('..')).toBe('_..');
    expect(await readFile(join(dir, '@.._evil', 'alice.txt'), 'utf8')).toBe('2026-12-03T09:30:05Z [../evil] x\n');
  });

  it('writes nothing when logging is off', async () => {
    settings = { ...settings, Enabled: false };
    const l = log();
    l.onEvent(created('room', 1, 'hello', { title: 'lobby' }));
    await l.flush();
    await expect(readFile(join(dir, 'lobby.txt'), 'utf8')).rejects.toThrow();
  });
});
