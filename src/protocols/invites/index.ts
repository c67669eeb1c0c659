import type { ProtocolAdapter, ProtocolContext } from '../protocol.js';
import { invitesRoutes } from './routes.js';

/** Invites after Prosody's modules (reference/prosody-invites.md); so far the invite-creation API. */
export function createInvitesProtocol(ctx: ProtocolContext & { readonly publicUrl: () => string }): ProtocolAdapter {
  return { name: 'invites', routes: invitesRoutes({ core: ctx.core, publicUrl: ctx.publicUrl }) };
}
