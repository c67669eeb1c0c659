import type { ProtocolAdapter, ProtocolContext } from '../protocol.js';
import { invitesRoutes } from './routes.js';

/** Invites after Prosody's modules (reference/prosody-invites.md): the invite API, the invite page and web registration. */
export function createInvitesProtocol(ctx: ProtocolContext & { readonly publicUrl: () => string; readonly domain: string }): ProtocolAdapter {
  return { name: 'invites', routes: invitesRoutes({ core: ctx.core, publicUrl: ctx.publicUrl, domain: ctx.domain, logger: ctx.logger }) };
}
