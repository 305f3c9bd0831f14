// The login limiter: password guessing is limited per account and client, on top of the
// general limit. It reads the token form itself, since it runs before the route validates it.
import type { Context } from "hono";
import type { Log } from "../../common/logger.ts";
import type { Rate } from "../lib/rate.ts";
import { rateLimit } from "../middleware/rate-limit.ts";
import type { Redis } from "../redis.ts";
import type { AppEnv } from "../types.ts";

async function tokenForm(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  return await c.req.parseBody().catch(() => ({}));
}

export function loginRateLimit(opts: {
  rate: Rate;
  redis: Redis;
  log: Log;
  clientIp: (c: Context<AppEnv>) => string;
}) {
  return rateLimit({
    name: "login",
    rate: opts.rate,
    redis: opts.redis,
    log: opts.log,
    key: async (c) => {
      const form = await tokenForm(c);
      const username = typeof form.username === "string" ? form.username.toLowerCase() : "";
      return `${opts.clientIp(c)}:${username}`;
    },
    skip: async (c) =>
      c.req.method !== "POST" || (await tokenForm(c)).grant_type === "refresh_token",
  });
}
