// Bearer-token authentication: puts the verified caller on the context, or answers 401.
// A token whose session was logged out (Redis key `revoked:sid:<sid>`, written by logout until
// the access tokens expire) is refused too. That check normally arrives with the request's
// single Redis round trip (hot-path.ts); only when it did not run for this session is Redis
// asked here, and an unreachable Redis then lets the token through (logout could not have
// written the key either).
import { createMiddleware } from "hono/factory";
import { revokedSessionKey } from "../auth/session-revocation.ts";
import { InvalidTokenError, type Tokens } from "../auth/tokens.ts";
import { ProblemError } from "../lib/problem.ts";
import type { Redis } from "../redis.ts";
import type { AppEnv } from "../types.ts";

const INVALID_TOKEN = { "WWW-Authenticate": 'Bearer realm="order-service", error="invalid_token"' };

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header ?? "");
  return match ? match[1] : null;
}

export function authenticate(tokens: Tokens, redis?: Redis) {
  if (!tokens) throw new Error("authenticate: tokens are required");
  async function askRedis(sid: string): Promise<boolean> {
    if (!redis) return false;
    return await redis.run((c) => c.exists(revokedSessionKey(sid))).then(
      (n) => n === 1,
      () => false,
    );
  }
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header("Authorization"));
    if (!token) throw new ProblemError(401, "A bearer access token is required.");
    try {
      const claims = await tokens.verify("access", token);
      c.set("user", {
        id: claims.sub,
        role: claims.role === "admin" ? "admin" : "user",
        sid: claims.sid,
      });
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        throw new ProblemError(
          401,
          `The access token is not valid (${error.message}).`,
          {},
          INVALID_TOKEN,
        );
      }
      throw error;
    }
    const sid = c.get("user").sid;
    const checked = c.get("prefetched")?.session;
    const revoked = checked?.sid === sid ? checked.revoked === true : await askRedis(sid);
    if (revoked) {
      throw new ProblemError(401, "The access token was revoked by logout.", {}, INVALID_TOKEN);
    }
    await next();
  });
}
