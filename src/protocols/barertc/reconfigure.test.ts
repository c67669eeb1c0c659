import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../core/events.js';
import { liveSocketParts } from './live.js';
import { barertcOptions } from './options.js';
import { createLiveBarertcSettings, type ReloadBarertcSettings } from './reconfigure.js';
import { parseBarertcSettings, type BarertcSettings } from './settings.js';
import type { BarertcSocketOptions } from './socket.js';

// Live `[barertc]` settings (reconfigure.ts, live.ts): one socket-options object updated in place.

const logger = pino({ level: 'silent' });
const settingsOf = (raw: Record<string, unknown>): BarertcSettings => {
  const r = parseBarertcSettings(raw, 'key');
  if (!r.ok) throw new Error(r.error.message);
  return r.settings;
};
const v1 = settingsOf({ BlockableAdmins: false, MessageFilters: [] });
const v2 = settingsOf({ BlockableAdmins: true, PublicChannels: [{ ID: 'news', VIP: true }], MessageFilters: [{ Enabled: true, KeywordPhrases: ['darn'], CensorMessage: true }], Timings: { SendQueueSize: 4 } });

function setup(results: Awaited<ReturnType<ReloadBarertcSettings>>[]) {
  const initial = barertcOptions(v1);
  const socket: BarertcSocketOptions = { ...initial.socket };
  const published: string[] = [];
  let applied = 0;
  const live = createLiveBarertcSettings({
    initial, socket, build: barertcOptions, logger,
    reload: async () => results.shift() ?? { ok: false, error: 'no more files' },
    core: { presence: { reloadSettings: async (p: string) => void published.push(p) } } as never,
    applied: () => void applied++,
  });
  return { live, socket, published, applied: () => applied };
}

describe('live settings', () => {
  it('/reconfigure applies the file in place and asks every node; a bad file rejects and changes nothing', async () => {
    const { live, socket, published, applied } = setup([{ ok: false, error: 'settings.toml: cannot read settings: bad' }, { ok: true, settings: v2 }]);
    const parts = liveSocketParts(socket, logger);
    expect(parts.channelIds.has('lobby')).toBe(true);
    expect(parts.filters.apply('darn', false).html).toBe('darn');
    await expect(live.reconfigure!()).rejects.toThrow('settings.toml: cannot read settings: bad');
    expect(published).toEqual([]);
    expect(live.settings()).toBe(v1);

    await live.reconfigure!();
    expect(published).toEqual(['barertc']);
    expect(live.settings()).toBe(v2);
    expect(applied()).toBe(1);
    expect(socket.sendQueueSize).toBe(4);
    expect(socket.blockableAdmins).toBe(true);
    expect(live.roster.blockableAdmins).toBe(true);
    expect(parts.channelIds.has('lobby')).toBe(false);
    expect(parts.channelIds.has('news')).toBe(true);
    expect([...parts.vipChannels()]).toEqual(['news']);
    expect(parts.filters.apply('darn', false).html).toBe('****');
  });

  it('settings.reload from any node re-reads this node\'s file; the same settings again, or a bad file, change nothing', async () => {
    const { live, applied } = setup([{ ok: true, settings: v1 }, { ok: false, error: 'bad' }, { ok: true, settings: v2 }]);
    const reload: DomainEvent = { type: 'settings.reload', protocol: 'barertc' };
    live.onEvent(reload);
    live.onEvent(reload);
    live.onEvent({ type: 'settings.reload', protocol: 'trueconf' });
    live.onEvent(reload);
    await expect.poll(() => live.settings()).toBe(v2);
    expect(applied()).toBe(1);
  });
});
