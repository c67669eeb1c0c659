import { describe, expect, it } from 'vitest';
import { broadcastChannelOf, bytesOf, imageKindOf, preview } from './images.js';
import { cameraRuling, dndRefusal, moderationFlags, type ModerationRuleSetting } from './rules.js';
import { BARERTC_DEFAULTS } from './settings.js';

// Pure parts of images.ts and rules.ts (reference/barertc.md §4.3 file, §6.2, §10).
describe('images', () => {
  it('knows BareRTC three extensions, case-insensitively, from the last dot', () => {
    expect(['a.jpg', 'a.JPEG', 'b.c.Png', 'x.gif'].map(imageKindOf)).toEqual(['jpeg', 'jpeg', 'png', 'gif']);
    expect(['a.bmp', 'jpg', '', 'a.jpg/b', 'a.png.exe'].map(imageKindOf)).toEqual([null, null, null, null, null]);
  });

  it('reads bytes as base64 or as an array of 0–255, nothing else', () => {
    expect(bytesOf('aGk=')).toEqual(Buffer.from('hi'));
    expect(bytesOf('aGk')).toEqual(Buffer.from('hi'));
    expect(bytesOf([104, 105])).toEqual(Buffer.from('hi'));
    for (const bad of ['', 'a', 'not base64!', [], [256], [-1], [1.5], ['1'], {}, null, 5]) expect(bytesOf(bad)).toBeNull();
  });

  it('fits the preview on the longest side, truncating, never enlarging', () => {
    expect(preview(400, 300, 50)).toEqual({ width: 50, height: 37 });
    expect(preview(300, 400, 50)).toEqual({ width: 37, height: 50 });
    expect(preview(20, 10, 50)).toEqual({ width: 20, height: 10 });
    expect(preview(10_000, 1, 50)).toEqual({ width: 50, height: 1 });
  });

  it('reads a broadcast channel from the frame head only', () => {
    expect(broadcastChannelOf('{"action":"message","channel":"vip","username":"a","message":"<img>"}')).toBe('vip');
    expect(broadcastChannelOf('{"action":"message","channel":"v\\"ip","x":1}')).toBe('v"ip');
    expect(broadcastChannelOf('{"action":"react","username":"a"}')).toBeNull();
  });
});

describe('moderation rules', () => {
  const rule = (over: Partial<ModerationRuleSetting>): ModerationRuleSetting => ({ Username: 'u', CameraAlwaysNSFW: false, NoBroadcast: false, NoVideo: false, NoImage: false, NoDarkVideo: false, ...over });
  const none = { cameraAlwaysNsfw: false, noBroadcast: false, noVideo: false, noImage: false, noDarkVideo: false };
  const S = BARERTC_DEFAULTS.Strings;

  it('merges the settings rule for that exact name with the JWT rules; novideo implies nobroadcast', () => {
    expect(moderationFlags([rule({ NoImage: true })], 'u', undefined)).toEqual({ ...none, noImage: true });
    expect(moderationFlags([rule({ NoImage: true })], 'U', undefined)).toEqual(none);
    expect(moderationFlags([], 'u', ['novideo', 'redcam', 'bogus'])).toEqual({ ...none, noVideo: true, noBroadcast: true, cameraAlwaysNsfw: true });
    expect(moderationFlags([rule({ NoVideo: true })], 'u', ['noimage', 'nodvd'])).toEqual({ ...none, noVideo: true, noBroadcast: true, noImage: true, noDarkVideo: true });
  });

  it('rules a camera only when it is turned on', () => {
    const nb = { ...none, noBroadcast: true };
    expect(cameraRuling(nb, 0, S)).toEqual({ video: 0, frames: [], echoMe: false });
    expect(cameraRuling(nb, 1 | 8, S)).toEqual({ video: 0, frames: [{ action: 'cut' }, { action: 'error', username: 'ChatServer', message: S.ModRuleErrorNoBroadcast }], echoMe: false });
    const red = { ...none, cameraAlwaysNsfw: true };
    expect(cameraRuling(red, 1, S)).toEqual({ video: 3, frames: [{ action: 'error', username: 'ChatServer', message: S.ModRuleErrorCameraAlwaysNSFW }], echoMe: true });
    expect(cameraRuling(red, 3, S)).toEqual({ video: 3, frames: [], echoMe: false });
    expect(cameraRuling({ ...nb, cameraAlwaysNsfw: true }, 1, S).video).toBe(0);
  });

  it('refuses DMs to a DND user unless the sender is an operator', () => {
    const entry = { username: 'bob', status: 'online', video: 0, loginAt: 0, op: false };
    expect(dndRefusal({ ...entry, dnd: true }, false)).toBe('@bob is not accepting direct messages right now.');
    expect(dndRefusal({ ...entry, dnd: true }, true)).toBeNull();
    expect(dndRefusal(entry, false)).toBeNull();
    expect(dndRefusal(null, false)).toBeNull();
  });
});
