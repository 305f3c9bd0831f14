// The client address for rate limiting. X-Forwarded-For is honoured only when the socket peer
// is a trusted proxy (TRUST_PROXY): the chain is walked from the right, each trusted hop is
// skipped, and the first untrusted address is the client. Anything left of it was written by
// the client itself and could be forged. Addresses are reduced to the unit a limit counts:
// the IPv4 address, or the IPv6 /64.
import type { Context } from "hono";
import { type Cidr, cidrContains, limitUnit, parseIp } from "./ip.ts";

/** The socket peer's address, which the server hands to the app (main.ts). */
export type ClientIpEnv = { Bindings: { remoteAddr?: { hostname?: string } } };

export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trusted: readonly Cidr[],
): string {
  let current = peer ? parseIp(peer) : null;
  if (!current) return "unknown";
  const isTrusted = (ip: NonNullable<typeof current>) =>
    trusted.some((cidr) => cidrContains(cidr, ip));
  if (trusted.length > 0 && forwardedFor) {
    const hops = forwardedFor.split(",");
    for (let i = hops.length - 1; i >= 0 && isTrusted(current); i--) {
      const hop = parseIp(hops[i]);
      // A hop that is not an address ends the walk: the proxy we trust did not write it.
      if (!hop) break;
      current = hop;
    }
  }
  return limitUnit(current);
}

/** Builds `(c) => client address` for the trusted proxy ranges, validated once. */
export function clientIpResolver(trusted: readonly Cidr[]) {
  if (!Array.isArray(trusted)) throw new Error("clientIpResolver: trusted ranges are required");
  // Parsing an address is a measurable share of a cached GET; a client sends many requests
  // from one address, so the unit of a peer without a forwarded chain is remembered (bounded).
  const byPeer = new Map<string, string>();
  return (c: Context<ClientIpEnv>): string => {
    const peer = c.env?.remoteAddr?.hostname;
    const forwardedFor = trusted.length > 0 ? c.req.header("X-Forwarded-For") : undefined;
    if (forwardedFor || peer === undefined) return clientAddress(peer, forwardedFor, trusted);
    let unit = byPeer.get(peer);
    if (unit === undefined) {
      if (byPeer.size >= 10_000) byPeer.clear();
      unit = clientAddress(peer, undefined, trusted);
      byPeer.set(peer, unit);
    }
    return unit;
  };
}
