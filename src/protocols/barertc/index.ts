import type { UserId } from '../../core/model/ids.js';
import type { AttachTransport } from '../../hub/attach.js';
import { socketRoute, type ProtocolAdapter, type ProtocolContext } from '../protocol.js';
import { pollRoutes } from './poll.js';
import { createRoster, type RosterRelation } from './roster.js';
import { barertcSocketRoute, type BarertcSocketOptions } from './socket.js';

/** What the BareRTC protocol is built from: its settings, turned into the socket's options. */
export interface BarertcProtocolOptions {
  readonly socket: BarertcSocketOptions;
  readonly presenceWarmupMs: number;
  readonly whoWarmupMs: number;
  readonly blockableAdmins: boolean;
  readonly vipMutuallySecret: boolean;
  /** A /poll session not polled for this long is dropped (BareRTC: 60 s). */
  readonly pollTimeoutMs: number;
}

/** BareRTC (reference/barertc.md): the chat socket at /ws, its roster and who lists. */
export function createBarertcProtocol(ctx: ProtocolContext & { readonly options: BarertcProtocolOptions; readonly attach: AttachTransport }): ProtocolAdapter {
  const { core, logger, options } = ctx;
  const roster = createRoster({
    logger,
    presenceWarmupMs: options.presenceWarmupMs,
    whoWarmupMs: options.whoWarmupMs,
    blockableAdmins: options.blockableAdmins,
    vipMutuallySecret: options.vipMutuallySecret,
    source: {
      sessions: () => core.presence.roster('barertc'),
      async relationsAmong(userIds) {
        const online = new Set<UserId>(userIds);
        const out: RosterRelation[] = [];
        for (const owner of userIds) {
          for (const kind of ['mute', 'block'] as const) {
            for (const target of await core.moderation.related(owner, kind)) if (online.has(target)) out.push({ ownerId: owner, targetId: target, kind });
          }
        }
        return out;
      },
    },
  });
  const route = barertcSocketRoute({ core, roster, logger, options: options.socket });
  const poll = pollRoutes({ route, attach: ctx.attach, logger, timeoutMs: options.pollTimeoutMs });
  return {
    name: 'barertc',
    routes: poll.routes,
    sockets: [socketRoute(route)],
    onEvent: (event) => roster.onEvent(event),
    stop: () => {
      roster.stop();
      void poll.stop();
    },
  };
}
