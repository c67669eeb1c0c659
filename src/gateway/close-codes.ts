/**
 * WebSocket close codes the gateway uses when a protocol defines none of its own (STYLE.md §4.4).
 * 1000–1015 are RFC 6455's; a client may reconnect after any of these but PROTOCOL_ERROR and
 * MESSAGE_TOO_BIG, which mean the client itself is at fault.
 */
export const CloseCode = {
  /** Client sent something the protocol does not allow (terminal). */
  PROTOCOL_ERROR: 1002,
  /** Policy violation, e.g. a read-only client that sent (terminal). */
  POLICY_VIOLATION: 1008,
  /** An inbound message over the protocol's size limit (terminal). */
  MESSAGE_TOO_BIG: 1009,
  /** Unexpected server failure (reconnect). */
  INTERNAL_ERROR: 1011,
  /** Server shutting down (reconnect, to another node). */
  GOING_AWAY: 1001,
  /** Client reads too slowly: its send buffer went over the cap (reconnect). */
  TRY_AGAIN_LATER: 1013,
} as const;
