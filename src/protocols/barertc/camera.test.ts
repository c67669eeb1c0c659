import { describe, expect, it } from 'vitest';
import type { UserId } from '../../core/model/ids.js';
import type { OnlineSession } from '../../core/model/relation.js';
import { applyCameraAction, cameraAccessOf, cameraRelations, emptyCameraLists, MAX_CAMERA_NAMES, openRefusal, publishedState, watchNote, whoEntryOf, type OpenCheck } from './camera.js';
import type { WhoEntry } from './wire.js';

const entry: WhoEntry = { username: 'alice', status: 'online', video: 1, loginAt: 1, op: false };

describe('published state', () => {
  it('carries the lists under private keys and strips them back to the who entry', () => {
    const lists = emptyCameraLists();
    expect(publishedState(entry, lists, false)).toEqual(entry);
    applyCameraAction(lists, 'boot', { username: 'bob' });
    applyCameraAction(lists, 'video-invite', { usernames: ['carol', 7, ''] });
    const state = publishedState(entry, lists, true);
    expect(state).toEqual({ ...entry, booted: ['bob'], invited: ['carol'], unblockable: true });
    expect(whoEntryOf(state)).toEqual(entry);
    expect(cameraAccessOf(state)).toEqual({ booted: new Set(['bob']), invited: new Set(['carol']), unblockable: true });
    expect(whoEntryOf({ nope: 1 })).toBeNull();
  });

  it('caps each list and ignores what is not a name', () => {
    const lists = emptyCameraLists();
    expect(applyCameraAction(lists, 'video-invite', { usernames: Array.from({ length: MAX_CAMERA_NAMES + 5 }, (_, i) => `u${i}`) })).toEqual([]);
    expect(lists.invited.size).toBe(MAX_CAMERA_NAMES);
    expect(applyCameraAction(lists, 'video-invite', { usernames: ['another'] })).toBeNull();
    expect(applyCameraAction(lists, 'boot', { username: 42 })).toBeNull();
    expect(applyCameraAction(lists, 'boot', { username: 'x'.repeat(300) })).toBeNull();
    expect(applyCameraAction(lists, 'unboot', { username: 'bob' })).toBeNull();
    expect(applyCameraAction(lists, 'boot', { username: 'bob' })).toEqual(['bob']);
    expect(applyCameraAction(lists, 'boot', { username: 'bob' })).toEqual(['bob']); // told again
    expect(applyCameraAction(lists, 'unboot', { username: 'bob' })).toEqual([]);
  });

  it('derives boot and invite relations among listed users only', () => {
    const s = (userId: number, username: string, extra: Record<string, unknown> = {}): OnlineSession => ({ id: `s${userId}`, userId: userId as UserId, nodeId: 'n', protocol: 'barertc', connectedAt: 0, state: { ...entry, username, ...extra } });
    const sessions = [s(1, 'alice', { booted: ['bob', 'ghost'], invited: ['carol', 'alice'] }), s(2, 'bob'), s(3, 'carol')];
    const byName = new Map(sessions.map((x) => [whoEntryOf(x.state)!.username, x]));
    expect(cameraRelations(sessions, byName)).toEqual([
      { ownerId: 1, targetId: 2, kind: 'boot' },
      { ownerId: 1, targetId: 3, kind: 'invite' },
    ]);
  });
});

describe('open checks', () => {
  const check = (over: Partial<OpenCheck> = {}, video = 1, access: Partial<OpenCheck['access']> = {}): OpenCheck => ({
    name: 'alice',
    target: { ...entry, video },
    access: { booted: new Set(), invited: new Set(), unblockable: false, ...access },
    viewer: { username: 'bob', video: 0, op: false, vip: false },
    mutes: false,
    blocks: false,
    blockableAdmins: false,
    ...over,
  });
  const op = { username: 'bob', video: 0, op: true, vip: false };

  it('refuses in BareRTC order and lets invitees past MutualRequired and OnlyVIP', () => {
    expect(openRefusal(check({}, 0))).toBe('Their video is not currently enabled.');
    expect(openRefusal(check({}, 17))).toBe('alice has requested that you should share your own camera too before opening theirs.');
    expect(openRefusal(check({}, 17, { invited: new Set(['bob']) }))).toBeNull();
    expect(openRefusal(check({}, 65))).toBe('You do not have permission to view that camera.');
    expect(openRefusal(check({}, 65, { invited: new Set(['bob']) }))).toBeNull();
    expect(openRefusal(check({ viewer: op }, 65))).toBeNull();
    expect(openRefusal(check({}, 1, { booted: new Set(['bob']) }))).toBe('You do not have permission to view that camera.');
    expect(openRefusal(check({ mutes: true }))).toBe('You do not have permission to view that camera.');
    expect(openRefusal(check({ blocks: true }))).toBe('You do not have permission to view that camera.');
  });

  it('lets operators through with a note, and never holds a block against an operator who cannot be blocked', () => {
    expect(openRefusal(check({ viewer: op, mutes: true }, 1, { booted: new Set(['bob']) }))).toBeNull();
    expect(watchNote(check({ viewer: op, mutes: true }, 1, { booted: new Set(['bob']) }))).toBe("Note: alice had booted you off their camera before, and won't be notified of your watch.");
    expect(watchNote(check({ viewer: op, mutes: true }))).toBe("Note: alice had muted you before, and won't be notified of your watch.");
    expect(watchNote(check({ mutes: true }))).toBeNull();
    const opTarget = { ...entry, op: true };
    expect(openRefusal(check({ target: opTarget, blocks: true }))).toBeNull();
    expect(openRefusal(check({ target: opTarget, blocks: true, blockableAdmins: true }))).toBe('You do not have permission to view that camera.');
    expect(openRefusal(check({ target: opTarget, blocks: true, blockableAdmins: true }, 1, { unblockable: true }))).toBeNull();
  });
});
