// Rate limiting with counters in Redis, shared by every API instance. With Redis down the
// limiter fails open: availability of the API matters more than exact counting.
import type { Context } from "hono";
import { type ClientRateLimitInfo, rateLimiter, RedisStore, type Store } from "hono-rate-limiter";
import type { Rate } from "../lib/rate.ts";
import type { Log } from "../../common/logger.ts";
import { problemResponse } from "../lib/problem.ts";
import { apiMetrics } from "../metrics/metrics.ts";
import type { Redis } from "../redis.ts";
import type { AppEnv } from "../types.ts";

async function sha1(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * node-redis adapted to the Upstash-style client RedisStore expects. Scripts are hashed
 * locally (never a round trip that could fail while Redis is down) and sent in full when
 * the server does not know them yet.
 */
function storeClient(redis: Redis) {
  const scripts = new Map<string, string>();
  return {
    async scriptLoad(script: string) {
      const sha = await sha1(script);
      scripts.set(sha, script);
      return sha;
    },
    async evalsha<TArgs extends unknown[], TData = unknown>(
      sha: string,
      keys: string[],
      args: TArgs,
    ): Promise<TData> {
      const options = { keys, arguments: args.map(String) };
      try {
        return await redis.run((c) => c.evalSha(sha, options)) as TData;
      } catch (error) {
        const script = scripts.get(sha);
        if (!script || !String(error).includes("NOSCRIPT")) throw error;
        return await redis.run((c) => c.eval(script, options)) as TData;
      }
    },
    decr: (key: string) => redis.run((c) => c.decr(key)),
    del: (key: string) => redis.run((c) => c.del(key)),
  };
}

class FailOpenStore implements Store<AppEnv> {
  constructor(private inner: Store<AppEnv>, private log: Log) {}
  init(options: Parameters<NonNullable<Store<AppEnv>["init"]>>[0]) {
    this.inner.init?.(options);
  }
  async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      return await this.inner.increment(key);
    } catch (error) {
      this.log("debug", "rate limit store unavailable; allowing request", {
        error: String(error),
      });
      return { totalHits: 0, resetTime: undefined };
    }
  }
  async decrement(key: string) {
    await Promise.resolve(this.inner.decrement(key)).catch(() => {});
  }
  async resetKey(key: string) {
    await Promise.resolve(this.inner.resetKey(key)).catch(() => {});
  }
}

export interface RateLimitOptions {
  rate: Rate;
  redis: Redis;
  log: Log;
  /** Distinguishes limiters sharing one Redis: "api", "login". */
  name: string;
  key: (c: Context<AppEnv>) => string | Promise<string>;
  skip?: (c: Context<AppEnv>) => boolean | Promise<boolean>;
}

export function rateLimit(opts: RateLimitOptions) {
  if (!/^[a-z-]+$/.test(opts.name)) throw new Error(`rateLimit: bad name "${opts.name}"`);
  if (opts.rate.limit < 1 || opts.rate.windowMs < 1) throw new Error("rateLimit: bad rate");
  const store = new FailOpenStore(
    new RedisStore<AppEnv>({ client: storeClient(opts.redis), prefix: `rl:${opts.name}:` }),
    opts.log,
  );
  return rateLimiter<AppEnv>({
    windowMs: opts.rate.windowMs,
    limit: opts.rate.limit,
    standardHeaders: "draft-6",
    keyGenerator: opts.key,
    skip: opts.skip,
    store,
    // RateLimit-* and Retry-After are already on the context; the body is a problem.
    handler: (c) => {
      apiMetrics.rateLimitRejected.inc({ limiter: opts.name });
      return problemResponse(c, 429, `Rate limit of ${opts.rate.text} exceeded; retry later.`);
    },
  });
}
