import type { Logger } from '../../logger.js';
import type { LinkSpamSettings } from './dm.js';
import { compileFilters, type MessageFilters } from './filters.js';
import type { BarertcSocketOptions } from './socket.js';

/*
 * The socket's options are live (`/reconfigure` assigns new values into the same object, index.ts),
 * so what socket.ts derives from them is derived again when they change: these views read the
 * options at use time and rebuild a derived value only when its source was replaced.
 */

/** DM link-spam protection when the options name none: off (BareRTC's numbers otherwise). */
const NO_LINK_SPAM: LinkSpamSettings = { enabled: false, maxThreads: 5, timeLimit: 3600, banHours: 24 };

/** BareRTC's outbound queue (§4.1 "32 messages per client") when the options name none. */
export const DEFAULT_SEND_QUEUE_SIZE = 32;

/** `build(source())`, built again only when `source()` returns another object (a reload). */
export function derivedFrom<S, T>(source: () => S, build: (s: S) => T): () => T {
  let built: { readonly from: S; readonly value: T } | null = null;
  return () => {
    const from = source();
    if (built === null || built.from !== from) built = { from, value: build(from) };
    return built.value;
  };
}

/** What socket.ts derives from its options, kept current as they change. */
export interface LiveSocketParts {
  /** The public channel ids (`[[PublicChannels]]`). */
  readonly channelIds: { has(id: string): boolean };
  /** The VIP channel ids. */
  vipChannels(): ReadonlySet<string>;
  /** `[[MessageFilters]]`, compiled once per settings. */
  readonly filters: MessageFilters;
  /** `[DMLinkSpamProtection]`, each field read at use. */
  readonly linkSpam: LinkSpamSettings;
}

export function liveSocketParts(options: BarertcSocketOptions, logger: Logger): LiveSocketParts {
  const channels = derivedFrom(() => options.channels, (list) => ({ ids: new Set(list.map((c) => c.id)), vip: new Set(list.filter((c) => c.vip).map((c) => c.id)) }));
  const filters = derivedFrom(() => options.messageFilters, (list) => compileFilters(list ?? [], (phrase) => logger.warn({ phrase }, 'barertc message filter is not a valid regular expression; skipped')));
  const spam = () => options.dmLinkSpam ?? NO_LINK_SPAM;
  return {
    channelIds: { has: (id) => channels().ids.has(id) },
    vipChannels: () => channels().vip,
    filters: { apply: (html, exempt, mask) => filters().apply(html, exempt, mask) },
    linkSpam: {
      get enabled() { return spam().enabled; },
      get maxThreads() { return spam().maxThreads; },
      get timeLimit() { return spam().timeLimit; },
      get banHours() { return spam().banHours; },
    },
  };
}
