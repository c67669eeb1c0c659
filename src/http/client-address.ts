import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import parseForwarded from 'forwarded-parse';
import proxyAddr from 'proxy-addr';

/**
 * The address of the client behind a request: the socket's peer, or — when that peer is one of
 * `server.trusted_proxies` — the address the proxy forwarded. The forwarded chain is read from
 * RFC 7239 `Forwarded`, else `X-Forwarded-For`, else `X-Real-IP` (the first present), and walked
 * from the nearest hop: each trusted hop passes on to the one before it, the first untrusted one is
 * the client. With no trusted proxies, headers are never read (a forged `X-Forwarded-For` from
 * anyone counts for nothing).
 */
export interface ClientAddressResolver {
  /** The client's address for a request or an upgrade. */
  (req: IncomingMessage): string;
  /** True when `server.trusted_proxies` names no proxy (headers are never read). */
  readonly trustsNoProxy: boolean;
  /**
   * Rewrite the request's `X-Forwarded-For` to the chain this resolver reads, so Fastify's
   * `request.ip` (its trustProxy walk over X-Forwarded-For, given `trust` below) finds the same
   * client: `Forwarded` and `X-Real-IP` become visible to it. Only for requests from a trusted peer.
   */
  normalize(req: IncomingMessage): void;
  /** The compiled trust test, for Fastify's `trustProxy`. */
  readonly trust: (address: string, hop: number) => boolean;
}

export function createClientAddressResolver(trustedProxies: readonly string[]): ClientAddressResolver {
  const trustsNoProxy = trustedProxies.length === 0;
  const trust = trustsNoProxy ? () => false : proxyAddr.compile([...trustedProxies]);
  const peerOf = (req: IncomingMessage) => req.socket.remoteAddress ?? '';

  const resolve = ((req: IncomingMessage): string => {
    const peer = peerOf(req);
    if (trustsNoProxy || !trust(peer, 0)) return peer;
    // The chain this resolver reads, as X-Forwarded-For; proxy-addr walks it as Fastify's request.ip does.
    normalizeTrusted(req);
    return proxyAddr(req, trust);
  }) as ClientAddressResolver;

  return Object.assign(resolve, {
    trustsNoProxy,
    trust,
    normalize(req: IncomingMessage): void {
      if (!trustsNoProxy && trust(peerOf(req), 0)) normalizeTrusted(req);
    },
  });
}

/** Put the forwarded chain (Forwarded, X-Forwarded-For or X-Real-IP) in X-Forwarded-For, for a trusted peer's request. */
function normalizeTrusted(req: IncomingMessage): void {
  const chain = forwardedChain(req);
  if (chain.length > 0) req.headers['x-forwarded-for'] = chain.join(', ');
  else delete req.headers['x-forwarded-for'];
}

/** The forwarded addresses of a request, client first, nearest proxy last; [] when none are given. */
function forwardedChain(req: IncomingMessage): string[] {
  const forwarded = headerText(req.headers['forwarded']);
  if (forwarded) {
    try {
      const hops = parseForwarded(forwarded).map((el) => el['for']).filter((v): v is string => typeof v === 'string');
      if (hops.length > 0) return hops.map(nodeAddress);
    } catch {
      // A malformed Forwarded header gives no address; the other headers may.
    }
  }
  const xff = headerText(req.headers['x-forwarded-for']);
  if (xff) return xff.split(',').map((s) => nodeAddress(s.trim())).filter(Boolean);
  const realIp = headerText(req.headers['x-real-ip']);
  return realIp ? [nodeAddress(realIp.trim())] : [];
}

/** A header given once, or its values joined (Node joins repeated X-Forwarded-For already). */
const headerText = (value: string | string[] | undefined): string => (Array.isArray(value) ? value.join(', ') : value ?? '');

/**
 * An address as a node is written in these headers, without brackets or port: `[2001:db8::1]:4711`
 * → `2001:db8::1`, `192.0.2.1:8080` → `192.0.2.1`. Obfuscated identifiers (`_hidden`, `unknown`)
 * stay as written: they are still a distinct key for the limits.
 */
function nodeAddress(node: string): string {
  if (node.startsWith('[')) {
    const end = node.indexOf(']');
    return end > 0 ? node.slice(1, end) : node;
  }
  if (isIP(node)) return node;
  const colon = node.lastIndexOf(':');
  return colon > 0 && node.indexOf(':') === colon && isIP(node.slice(0, colon)) === 4 ? node.slice(0, colon) : node;
}
