// The headers every response carries: the request id and the security headers. Both are set
// on the finished response, after the handler: in Deno a header given before the response
// exists goes through a Headers object that is then copied into the Response, which cost a
// cached GET more than a dozen microseconds; set on the Response it is a fraction of that
// (bench/PROFILE.md). The same reason has the rate-limit headers set after the handler.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../types.ts";

const REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * `X-Request-Id`: the caller's when it is a safe token (letters, digits, `_-=`, up to 255),
 * else a new UUID. Available to the log and handlers as `c.get("requestId")`.
 */
export function requestId({ headerName = "X-Request-Id" }: { headerName?: string } = {}) {
  if (!/^[A-Za-z0-9-]+$/.test(headerName)) throw new Error("requestId: bad headerName");
  return createMiddleware<AppEnv>(async (c, next) => {
    const given = c.req.header(headerName);
    const id = given !== undefined && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set(headerName, id);
  });
}

/**
 * Hono's `secureHeaders()` defaults (the same eleven headers and values), written onto the
 * response without its per-request bookkeeping. For a JSON API most matter little, but they
 * cost nothing to keep and a browser that renders an error page gets them too.
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

export function securityHeaders(
  headers: readonly (readonly [string, string])[] = SECURITY_HEADERS,
) {
  const list = headers.map(([name, value]) => {
    if (!/^[A-Za-z0-9-]+$/.test(name) || /[\r\n]/.test(value)) {
      throw new Error(`securityHeaders: bad header ${name}`);
    }
    return [name, value] as const;
  });
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const target = c.res.headers;
    for (const [name, value] of list) target.set(name, value);
  });
}
