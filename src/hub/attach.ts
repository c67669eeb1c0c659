import type { Logger } from '../logger.js';
import type { AnySocketRoute, Connection, SocketHandler, UpgradeAcceptance } from '../protocols/protocol.js';
import type { Hub } from './hub.js';
import type { Transport } from './transport.js';

/** A session over a transport other than a `ws` socket (BareRTC's long-poll), as its owner drives it. */
export interface AttachedSession {
  /** Hand the protocol one inbound message; steps run one at a time, in order. Resolves when it has run. */
  receive(data: Buffer): Promise<void>;
  /** End the session: the protocol's close handler runs and the hub forgets it. Idempotent. */
  end(): Promise<void>;
}

/** Opens sessions over non-socket transports on this node's hub. */
export type AttachTransport = (transport: Transport, route: AnySocketRoute, acceptance: UpgradeAcceptance<never>) => AttachedSession;

/**
 * The gateway's session life cycle for any transport: registered with the hub, the protocol's
 * handler built, messages handled one at a time, the close handler run once at the end. A
 * refusal the protocol did not answer ends the session; unexpected failures are logged.
 */
export function attachTransport(hub: Hub, logger: Logger): AttachTransport {
  return (transport, route, acceptance) => {
    const session = hub.open(transport, route, acceptance.state);
    let tail: Promise<void> = Promise.resolve();
    let ended = false;
    const step = (run: () => Promise<void> | void): Promise<void> => {
      tail = tail.then(run).catch((err: unknown) => {
        logger.error({ err, protocol: route.protocol }, 'session handler failed');
      });
      return tail;
    };
    let handler: SocketHandler | null = null;
    const ready = step(async () => {
      handler = acceptance.open(session as unknown as Connection<never>);
      await handler.onOpen?.();
    });
    return {
      async receive(data) {
        await ready;
        if (ended) return;
        session.countReceived();
        await step(() => handler?.onMessage(data, false));
      },
      async end() {
        if (ended) return tail;
        ended = true;
        transport.close();
        hub.detach(session);
        return step(() => handler?.onClose?.());
      },
    };
  };
}
