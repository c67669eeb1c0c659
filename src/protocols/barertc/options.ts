import type { BarertcProtocolOptions } from './index.js';
import { REFRESH_TTL_SECONDS, signBarertcJwt, verifyBarertcJwt } from './jwt.js';
import { renderMarkdown } from './render.js';
import type { BarertcSettings } from './settings.js';


/** The protocol's options from the frozen `[barertc]` settings (Config.barertc). */
export function barertcOptions(settings: BarertcSettings): BarertcProtocolOptions {
  const { JWT: jwt, Timings: timings } = settings;
  return {
    settings,
    presenceWarmupMs: timings.PresenceWarmupSeconds * 1000,
    whoWarmupMs: timings.WhoWarmupSeconds * 1000,
    blockableAdmins: settings.BlockableAdmins,
    vipMutuallySecret: settings.VIP.MutuallySecret,
    pollTimeoutMs: timings.PollTimeoutSeconds * 1000,
    socket: {
      channels: settings.PublicChannels.map((c) => ({ id: c.ID, name: c.Name, vip: c.VIP, welcomeMessages: c.WelcomeMessages, echoMessagesOnJoin: c.EchoMessagesOnJoin, permitPhotos: c.PermitPhotos })),
      jwtEnabled: jwt.Enabled,
      jwtStrict: jwt.Strict,
      verifyJwt: (token) => verifyBarertcJwt(jwt, token),
      refreshJwt: (claims) => signBarertcJwt(jwt, claims, REFRESH_TTL_SECONDS),
      render: renderMarkdown,
      readLimit: settings.WebSocketReadLimit,
      blockableAdmins: settings.BlockableAdmins,
      pingIntervalMs: timings.PingIntervalSeconds * 1000,
      images: { maxWidth: settings.MaxImageWidth, previewWidth: settings.PreviewImageWidth },
      moderationRules: { rules: settings.ModerationRule, strings: settings.Strings },
      messageFilters: settings.MessageFilters.map((m) => ({ enabled: m.Enabled, keywordPhrases: m.KeywordPhrases, censorMessage: m.CensorMessage, forwardMessage: m.ForwardMessage, reportMessage: m.ReportMessage, chatServerResponse: m.ChatServerResponse })),
      sendQueueSize: timings.SendQueueSize,
      dmLinkSpam: { enabled: settings.DMLinkSpamProtection.Enabled, maxThreads: settings.DMLinkSpamProtection.MaxThreads, timeLimit: settings.DMLinkSpamProtection.TimeLimit, banHours: settings.DMLinkSpamProtection.BanHours },
    },
  };
}
