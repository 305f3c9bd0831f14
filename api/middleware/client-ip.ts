// The client address for rate limiting: the socket peer, or, only when TRUST_PROXY is set,
// the last X-Forwarded-For hop (the address our trusted proxy saw; earlier hops are
// client-supplied and could be forged).
import type { Context } from "hono";
import type { AppEnv } from "../types.ts";

export function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const hops = (c.req.header("X-Forwarded-For") ?? "").split(",").map((hop) => hop.trim())
      .filter(Boolean);
    if (hops.length > 0) return hops[hops.length - 1];
  }
  return c.env?.remoteAddr?.hostname ?? "unknown";
}
