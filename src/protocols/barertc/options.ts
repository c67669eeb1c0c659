import type { BarertcProtocolOptions } from './index.js';
import type { ChannelSettings } from './socket.js';

/** BareRTC's default public channels (reference §7). */
const DEFAULT_CHANNELS: readonly ChannelSettings[] = [
  { id: 'lobby', name: 'Lobby', vip: false, welcomeMessages: [], echoMessagesOnJoin: 10 },
  { id: 'offtopic', name: 'Off Topic', vip: false, welcomeMessages: [], echoMessagesOnJoin: 0 },
];

// Interim until the settings section and the Markdown renderer land (issue 10 in progress).
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The protocol's options from settings (interim: BareRTC's defaults, JWT off). */
export function barertcOptions(timings: { presenceWarmupMs: number; whoWarmupMs: number; pingIntervalMs: number }): BarertcProtocolOptions {
  return {
    presenceWarmupMs: timings.presenceWarmupMs,
    whoWarmupMs: timings.whoWarmupMs,
    blockableAdmins: false,
    vipMutuallySecret: false,
    pollTimeoutMs: 60_000,
    socket: {
      channels: DEFAULT_CHANNELS,
      jwtEnabled: false,
      jwtStrict: true,
      verifyJwt: async () => {
        throw new Error('JWT authentication is not enabled');
      },
      refreshJwt: async () => '',
      render: (text) => (text.trim() === '' ? null : `<p>${escapeHtml(text.trim())}</p>`),
      readLimit: 41_943_040,
      blockableAdmins: false,
      pingIntervalMs: timings.pingIntervalMs,
    },
  };
}
