import type { AttachTransport } from '../../hub/attach.js';
import { socketRoute, type ProtocolAdapter, type ProtocolContext } from '../protocol.js';
import { barertcApiOptions, barertcApiRoutes, type BarertcAdmin } from './api.js';
import { pollRoutes } from './poll.js';
import { createChatLog } from './chat-log.js';
import { barertcOptions } from './options.js';
import { createLiveBarertcSettings, type ReloadBarertcSettings } from './reconfigure.js';
import { createChannelRooms } from './rooms.js';
import { createRoster } from './roster.js';
import type { BarertcSettings } from './settings.js';
import { ssoRoutes } from './sso.js';
import { barertcSocketRoute, type BarertcSocketOptions } from './socket.js';
import { createWebhooks } from './webhooks.js';

/** What the BareRTC protocol is built from: its settings, turned into the socket's options. */
export interface BarertcProtocolOptions {
  /** The whole `[barertc]` section (Config.barertc), for the HTTP routes. */
  readonly settings: BarertcSettings;
  readonly socket: BarertcSocketOptions;
  readonly presenceWarmupMs: number;
  readonly whoWarmupMs: number;
  readonly blockableAdmins: boolean;
  readonly vipMutuallySecret: boolean;
  /** A /poll session not polled for this long is dropped (BareRTC: 60 s). */
  readonly pollTimeoutMs: number;
}

/** BareRTC (reference/barertc.md): the chat socket at /ws, its roster and who lists. */
export function createBarertcProtocol(ctx: ProtocolContext & { readonly options: BarertcProtocolOptions; readonly attach: AttachTransport; readonly chatcliUrl?: () => string; readonly admin?: BarertcAdmin; readonly reloadSettings?: ReloadBarertcSettings }): ProtocolAdapter {
  const { core, logger, options } = ctx;
  const roster = createRoster({
    logger,
    // Warm-ups only apply after start: a reload leaves them as they were.
    presenceWarmupMs: options.presenceWarmupMs,
    whoWarmupMs: options.whoWarmupMs,
    get blockableAdmins() {
      return live.roster.blockableAdmins;
    },
    get vipMutuallySecret() {
      return live.roster.vipMutuallySecret;
    },
    source: {
      sessions: () => core.presence.roster('barertc'),
      relationsAmong: (userIds) => core.moderation.among(userIds, ['mute', 'block']),
      relationsOf: async (userId) => (await core.moderation.involving(userId)).filter((r): r is typeof r & { kind: 'mute' | 'block' } => r.kind === 'mute' || r.kind === 'block'),
    },
  });
  // One set of webhooks for reports and profiles; /shutdown goes through the composition root's
  // shutdown (a test node's is a no-op), never straight to process.exit.
  const webhooks = options.socket.moderation?.webhooks ?? createWebhooks({ settings: () => live.settings().WebhookURLs.map((w) => ({ name: w.Name, enabled: w.Enabled, url: w.URL })), adminApiKey: ctx.admin?.adminApiKey ?? '', logger });
  const moderation = options.socket.moderation ?? {
    webhooks,
    exit: () => ctx.admin?.shutdown(),
    get reconfigure() {
      return live.reconfigure;
    },
    get landingPageUrl() {
      return live.settings().JWT.LandingPageURL || null;
    },
  };
  // Live settings (reconfigure.ts): the socket reads this one object, which a reload updates in place.
  const socketOptions: BarertcSocketOptions = { ...options.socket, moderation };
  const live = createLiveBarertcSettings({ initial: options, socket: socketOptions, build: barertcOptions, ...(ctx.reloadSettings ? { reload: ctx.reloadSettings } : {}), core, logger, applied: () => roster.refresh() });
  // `[barertc.Logging]` text logs, fed by the core's message events (every door's lines).
  const chatLog = createChatLog({ settings: () => live.settings().Logging, usernamesOf: async (ids) => new Map([...(await core.users.findMany(ids))].map(([id, u]) => [id, u.username])), logger });
  const rooms = createChannelRooms(core);
  const route = barertcSocketRoute({ core, roster, rooms, logger, options: socketOptions });
  const poll = pollRoutes({ route, attach: ctx.attach, logger, timeoutMs: options.pollTimeoutMs });
  return {
    name: 'barertc',
    routes: async (app) => {
      await poll.routes(app);
      // The JSON web API (§2): only with the composition root's key and shutdown.
      if (ctx.admin) {
        const admin = ctx.admin;
        await barertcApiRoutes({ core, logger, options: barertcApiOptions(() => live.settings(), admin, { webhooks, render: options.socket.render }) })(app);
      }
      // `/`, `/about`, `/logout` (§2.3): the single-sign-on entry point and the chat page.
      await app.register(ssoRoutes({ settings: () => live.settings(), cachedBlocklist: (name) => core.blocklists.cached(name), locations: () => ({ chatcliUrl: ctx.chatcliUrl?.() ?? '' }) }));
    },
    sockets: [socketRoute(route)],
    onEvent: (event) => {
      live.onEvent(event);
      roster.onEvent(event);
      rooms.onEvent(event);
      chatLog.onEvent(event);
    },
    stop: () => {
      roster.stop();
      void poll.stop();
    },
  };
}
