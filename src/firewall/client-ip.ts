/**
 * Who is calling, by address: the TCP peer, unless the peer is a configured
 * trusted proxy, in which case the right-most X-Forwarded-For address that is not
 * itself a trusted proxy (addresses further left were written by the client and
 * prove nothing).
 */
import { isIP } from 'node:net';
import { IpRules, normalizeIp } from './ip-rules.js';

export class ClientIpResolver {
  private readonly proxies: IpRules | undefined;

  constructor(trustedProxies: readonly string[]) {
    this.proxies = trustedProxies.length ? new IpRules({ allow: trustedProxies }) : undefined;
  }

  resolve(peerAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    const peer = normalizeIp(peerAddress ?? '');
    if (!this.proxies || !this.proxies.permits(peer) || forwardedFor === undefined) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => normalizeIp(h.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // A malformed entry ends the trustworthy part of the chain: the last proxy is the client we know.
      if (isIP(hop) === 0) return i === hops.length - 1 ? peer : hops[i + 1]!;
      if (!this.proxies.permits(hop)) return hop;
    }
    return hops[0] ?? peer;
  }
}
