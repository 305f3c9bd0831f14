// Bearer-token authentication: puts the verified caller on the context, or answers 401.
import { createMiddleware } from "hono/factory";
import { InvalidTokenError, type Tokens } from "../auth/tokens.ts";
import { ProblemError } from "../lib/problem.ts";
import type { AppEnv } from "../types.ts";

export function authenticate(tokens: Tokens) {
  if (!tokens) throw new Error("authenticate: tokens are required");
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
    if (!match) throw new ProblemError(401, "A bearer access token is required.");
    try {
      const claims = await tokens.verify("access", match[1]);
      c.set("user", {
        id: claims.sub,
        role: claims.role === "admin" ? "admin" : "user",
        sid: claims.sid,
      });
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        throw new ProblemError(401, `The access token is not valid (${error.message}).`, {}, {
          "WWW-Authenticate": 'Bearer realm="order-service", error="invalid_token"',
        });
      }
      throw error;
    }
    await next();
  });
}
