import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClientAddressResolver } from './client-address.js';

/** A request as the resolver sees it: the TCP peer and the headers. */
const request = (peer: string, headers: Record<string, string> = {}): IncomingMessage => ({ socket: { remoteAddress: peer }, headers }) as unknown as IncomingMessage;

describe('createClientAddressResolver', () => {
  it('trusts no proxy by default: every forwarding header is ignored', () => {
    const resolve = createClientAddressResolver([]);
    expect(resolve(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8', forwarded: 'for=203.0.113.9' }))).toBe('127.0.0.1');
    expect(resolve.trustsNoProxy).toBe(true);
  });

  it('ignores the headers of a peer that is not a trusted proxy', () => {
    const resolve = createClientAddressResolver(['10.0.0.0/8']);
    expect(resolve(request('198.51.100.4', { 'x-forwarded-for': '203.0.113.7' }))).toBe('198.51.100.4');
  });

  it('reads X-Forwarded-For from a trusted proxy, walking back over every trusted hop and stopping at the first untrusted one', () => {
    const resolve = createClientAddressResolver(['loopback', '10.0.0.0/8']);
    expect(resolve(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }))).toBe('203.0.113.7');
    // client, spoofed by the client itself, then a trusted inner proxy: the first untrusted from the right wins.
    expect(resolve(request('127.0.0.1', { 'x-forwarded-for': '1.2.3.4, 203.0.113.7, 10.1.2.3' }))).toBe('203.0.113.7');
    // Only trusted hops: the farthest one is the client.
    expect(resolve(request('127.0.0.1', { 'x-forwarded-for': '10.0.0.9, 10.1.2.3' }))).toBe('10.0.0.9');
    // A trusted proxy that forwarded nothing is itself the client.
    expect(resolve(request('127.0.0.1'))).toBe('127.0.0.1');
  });

  it('prefers RFC 7239 Forwarded, with bracketed IPv6 nodes and ports, then X-Forwarded-For, then X-Real-IP', () => {
    const resolve = createClientAddressResolver(['loopback']);
    expect(resolve(request('::1', { forwarded: 'for="[2001:db8::17]:4711";proto=https, for=127.0.0.1', 'x-forwarded-for': '203.0.113.1' }))).toBe('2001:db8::17');
    expect(resolve(request('127.0.0.1', { forwarded: 'for="192.0.2.60:8080";by=203.0.113.43' }))).toBe('192.0.2.60');
    expect(resolve(request('127.0.0.1', { 'x-real-ip': '203.0.113.5' }))).toBe('203.0.113.5');
    // A malformed Forwarded header gives way to the other headers.
    expect(resolve(request('127.0.0.1', { forwarded: 'for=', 'x-forwarded-for': '203.0.113.6' }))).toBe('203.0.113.6');
  });

  it('normalises what Fastify reads: Forwarded and X-Real-IP become X-Forwarded-For, for trusted peers only', () => {
    const resolve = createClientAddressResolver(['loopback']);
    const trusted = request('127.0.0.1', { 'x-real-ip': '203.0.113.5' });
    resolve.normalize(trusted);
    expect(trusted.headers['x-forwarded-for']).toBe('203.0.113.5');
    const untrusted = request('198.51.100.4', { forwarded: 'for=203.0.113.9' });
    resolve.normalize(untrusted);
    expect(untrusted.headers['x-forwarded-for']).toBeUndefined();
  });
});
