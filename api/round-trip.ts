// What the request's single Redis round trip (middleware/hot-path.ts) carries for this API,
// for the middleware and the fast read (orders/orders.fast-read.ts) alike:
// the general limit per client, the login and register limits, the bearer token's session for
// the logout denylist, and the order a GET /orders/{id} reads.
import {
  type AuthDeps,
  authLimits,
  REVOCATIONS_COMPLETE_KEY,
  revokedSessionKey,
} from "./auth/index.ts";
import { bearerToken } from "./auth/authenticate.ts";
import { clientIpResolver } from "./middleware/client-ip.ts";
import { createRoundTrip } from "./middleware/hot-path.ts";
import { orderCacheKeyFor } from "./orders/index.ts";

const UNLIMITED = /^\/(health\/|docs|openapi\.json)/;

export function requestRoundTrip(
  { config, redis, log, tokens }: Pick<AuthDeps, "config" | "redis" | "log" | "tokens">,
) {
  const limits = config.rateLimit;
  const ip = clientIpResolver(limits.trustedProxies);
  return createRoundTrip({
    redis,
    log,
    limits: limits.enabled
      ? [
        {
          name: "api",
          rate: limits.general,
          key: (c) => UNLIMITED.test(c.req.path) ? null : ip(c),
        },
        ...authLimits({ ...limits, clientIp: ip }),
      ]
      : [],
    // Only a valid token's session is worth checking; verified tokens are cached in `tokens`.
    session: async (c) => {
      const token = bearerToken(c.req.header("Authorization"));
      if (!token) return null;
      return (await tokens.verify("access", token).catch(() => null))?.sid ?? null;
    },
    denylist: { session: revokedSessionKey, complete: REVOCATIONS_COMPLETE_KEY },
    prefetch: (c) => c.req.method === "GET" ? orderCacheKeyFor(c.req.path) : null,
  });
}
