// Bearer-token authentication: puts the verified caller on the context, or answers 401.
// A token whose session was logged out or revoked for reuse is refused too
// (auth/session-revocation.ts). That check normally arrives with the request's single Redis
// round trip (hot-path/); when it did not run for this session Redis is asked here, and when
// Redis cannot tell (unreachable, or its list of revocations not known to be complete after a
// restart) PostgreSQL, which holds every revocation, answers.
import { createMiddleware } from "hono/factory";
import type { HotPathEnv } from "../hot-path/index.ts";
import { bearerToken } from "../lib/bearer-token.ts";
import { ProblemError } from "../lib/problem.ts";
import type { Revocations } from "./session-revocation.ts";
import { InvalidTokenError, type Tokens } from "./tokens.ts";

export interface AuthUser {
  id: string;
  role: "user" | "admin";
  /** The refresh-token family this session belongs to. */
  sid: string;
}

/** What `authenticate` puts on the context, for the handlers behind it. */
export type AuthEnv = { Variables: { user: AuthUser } };

const INVALID_TOKEN = { "WWW-Authenticate": 'Bearer realm="order-service", error="invalid_token"' };

export function authenticate(tokens: Tokens, revocations: Pick<Revocations, "check">) {
  if (!tokens || !revocations) throw new Error("authenticate: tokens and revocations are required");
  return createMiddleware<AuthEnv & HotPathEnv>(async (c, next) => {
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
    const checked = c.get("hotPath")?.prefetched.session;
    if (await revocations.check(sid, checked?.sid === sid ? checked.revoked : undefined)) {
      throw new ProblemError(401, "The access token was revoked by logout.", {}, INVALID_TOKEN);
    }
    await next();
  });
}
