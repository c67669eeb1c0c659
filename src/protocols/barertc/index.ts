import type { UserId } from '../../core/model/ids.js';
import { socketRoute, type ProtocolAdapter, type ProtocolContext } from '../protocol.js';
import { createRoster, type RosterRelation } from './roster.js';
import { barertcSocketRoute, type BarertcSocketOptions } from './socket.js';

/** What the BareRTC protocol is built from: its settings, turned into the socket's options. */
export interface BarertcProtocolOptions {
  readonly socket: BarertcSocketOptions;
  readonly presenceWarmupMs: number;
  readonly whoWarmupMs: number;
  readonly blockableAdmins: boolean;
  readonly vipMutuallySecret: boolean;
}

/** BareRTC (reference/barertc.md): the chat socket at /ws, its roster and who lists. */
export function createBarertcProtocol(ctx: ProtocolContext & { readonly options: BarertcProtocolOptions }): ProtocolAdapter {
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
  return {
    name: 'barertc',
    sockets: [socketRoute(barertcSocketRoute({ core, roster, logger, options: options.socket }))],
    onEvent: (event) => roster.onEvent(event),
    stop: () => roster.stop(),
  };
}
