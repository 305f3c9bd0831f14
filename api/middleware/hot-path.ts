// The request's single Redis round trip: one Lua script (EVALSHA) increments every rate-limit
// counter the request touches, checks the bearer token's session against the logout denylist
// (`revoked:sid:<sid>`) and, for GET /orders/{id}, reads the cache entry. Handlers and
// `authenticate` take those answers from the context instead of asking Redis again.
// Redis down: the limits count per process (MemoryCounters), the denylist is checked in
// PostgreSQL instead (auth/session-revocation.ts), and the cache is a miss, so the order comes
// from PostgreSQL. So is the denylist while Redis lacks `revoked:complete` (restarted empty).
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Log } from "../../common/logger.ts";
import { problemResponse } from "../lib/problem.ts";
import { apiMetrics } from "../metrics/metrics.ts";
import { type Redis, redisScript } from "../redis.ts";
import {
  type Count,
  type Counter,
  type LimitRule,
  MemoryCounters,
  rateLimitHeaders,
  validateRule,
  verdict,
} from "./rate-limit.ts";

// KEYS: the counters, then the denylist key and its completeness marker when ARGV[2] = "1",
// then the cache key when ARGV[3] = "1". ARGV[1]: number of counters; then window ms and limit
// per counter. Reply: hits and ms-to-reset per counter, then 1 / 0 / -1 for revoked / not /
// unknown (the denylist is not known to be complete), then the cache value.
const SCRIPT = `
local n = tonumber(ARGV[1])
local out = {}
local blocked = false
for i = 1, n do
  local hits, ttl = 0, 0
  if not blocked then
    hits = redis.call('INCR', KEYS[i])
    ttl = redis.call('PTTL', KEYS[i])
    if ttl <= 0 then
      ttl = tonumber(ARGV[2 + 2 * i])
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
    blocked = hits > tonumber(ARGV[3 + 2 * i])
  end
  out[2 * i - 1] = hits
  out[2 * i] = ttl
end
local k = n
local revoked = 0
if ARGV[2] == '1' then
  k = k + 1
  revoked = redis.call('EXISTS', KEYS[k])
  k = k + 1
  if revoked == 0 and redis.call('EXISTS', KEYS[k]) == 0 then revoked = -1 end
end
out[2 * n + 1] = revoked
if ARGV[3] == '1' then
  out[2 * n + 2] = redis.call('GET', KEYS[k + 1])
end
return out`;

/** What the request's single Redis round trip found. */
export interface Prefetched {
  /** The bearer token's session; `revoked` is null when Redis could not tell (unreachable, or
   * its denylist not known to be complete). */
  session?: { sid: string; revoked: boolean | null };
  /** The cache entry read along, raw; null when absent (or Redis unreachable). */
  cache?: { key: string; raw: string | null };
}

/** What the hot path hands to the rest of the request, on the context. */
export type HotPathEnv = {
  Bindings: {
    /** When the request arrived (performance.now()), if before the app saw it: the fast read
     * (orders/orders.fast-read.ts) hands over requests it does not answer itself. */
    receivedAt?: number;
    /** The Redis round trip the fast read already made for this request. */
    roundTrip?: RoundTrip;
  };
  Variables: {
    prefetched?: Prefetched;
    /** The rate-limit headers of this request, for an answer written outside hotPath's reach
     * (the request deadline's 503). */
    limitHeaders?: Record<string, string>;
  };
};

/** Where the logout denylist keeps a session's entry, and its completeness marker. */
export interface DenylistKeys {
  session: (sid: string) => string;
  complete: string;
}

export interface HotPathOptions {
  redis: Redis;
  log: Log;
  /** Evaluated in order; an empty list limits nothing. */
  limits: LimitRule[];
  /** The session id of the request's bearer token, when it carries a valid one. */
  session: (c: Context) => Promise<string | null> | string | null;
  /** The logout denylist's keys (auth/session-revocation.ts). */
  denylist: DenylistKeys;
  /** A cache key to read along (GET /orders/{id}), or null. */
  prefetch: (c: Context) => string | null;
}

/** What the round trip answered for one request. */
export interface RoundTrip {
  counters: Counter[];
  counts: Count[];
  prefetched: Prefetched;
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const name in headers) response.headers.set(name, headers[name]);
  return response;
}

/**
 * The round trip on its own, for the middleware below and for a route that answers outside
 * Hono's chain (orders/orders.fast-read.ts): `perform(c)` is null when the request touches no
 * counter, session or cache entry.
 */
export function createRoundTrip(opts: HotPathOptions) {
  if (!opts?.redis || typeof opts.log !== "function") throw new Error("hotPath: redis and log");
  if (typeof opts.session !== "function" || typeof opts.prefetch !== "function") {
    throw new Error("hotPath: session and prefetch are required");
  }
  const { denylist } = opts;
  if (typeof denylist?.session !== "function" || !denylist.complete) {
    throw new Error("hotPath: denylist keys are required");
  }
  const limits = opts.limits.map(validateRule);
  const script = redisScript(opts.redis, SCRIPT);
  const memory = new MemoryCounters(Math.max(1, ...limits.map((rule) => rule.rate.windowMs)));

  async function inRedis(counters: Counter[], sid: string | null, cacheKey: string | null) {
    const keys = counters.map((counter) => counter.key);
    const args = [String(counters.length), sid ? "1" : "0", cacheKey ? "1" : "0"];
    for (const { rule } of counters) args.push(String(rule.rate.windowMs), String(rule.rate.limit));
    if (sid) keys.push(denylist.session(sid), denylist.complete);
    if (cacheKey) keys.push(cacheKey);
    const reply = await script.run(keys, args) as (number | string | null)[];
    const counts: Count[] = counters.map((_, i) => ({
      hits: Number(reply[2 * i]),
      ttlMs: Number(reply[2 * i + 1]),
    }));
    const prefetched: Prefetched = {};
    if (sid) {
      const revoked = reply[2 * counters.length];
      prefetched.session = { sid, revoked: revoked === 1 ? true : revoked === 0 ? false : null };
    }
    if (cacheKey) {
      const raw = reply[2 * counters.length + 1];
      prefetched.cache = { key: cacheKey, raw: typeof raw === "string" ? raw : null };
    }
    return { counters, counts, prefetched };
  }

  return {
    /** `sid`: the session, when the caller has verified the token already. */
    async perform(c: Context, sid?: string | null): Promise<RoundTrip | null> {
      const counters: Counter[] = [];
      for (const rule of limits) {
        let key = rule.key(c);
        if (typeof key === "object" && key !== null) key = await key; // only a login's rules wait
        if (key !== null) counters.push({ rule, key: `rl:${rule.name}:${key}` });
      }
      sid ??= await opts.session(c);
      const cacheKey = opts.prefetch(c);
      if (counters.length === 0 && !sid && !cacheKey) return null;
      try {
        return await inRedis(counters, sid, cacheKey);
      } catch (error) {
        opts.log("debug", "redis unavailable; limits count in this process", {
          error: String(error),
        });
        return {
          counters,
          counts: memory.count(counters),
          prefetched: {
            session: sid ? { sid, revoked: null } : undefined,
            cache: cacheKey ? { key: cacheKey, raw: null } : undefined,
          },
        };
      }
    },
  };
}

export type RoundTripper = ReturnType<typeof createRoundTrip>;

/** The middleware; given a round trip already built, it shares that one's fallback counters. */
export function hotPath(opts: HotPathOptions | RoundTripper) {
  const trip = opts && "perform" in opts ? opts : createRoundTrip(opts);
  return createMiddleware<HotPathEnv>(async (c, next) => {
    // A request the fast read handed over has had its round trip already.
    const done = c.env?.roundTrip ?? await trip.perform(c);
    if (!done) return await next();
    const { counters, counts } = done;
    c.set("prefetched", done.prefetched);

    const { index, blocked } = verdict(counters, counts);
    if (index < 0) return await next();
    const { rule } = counters[index];
    const headers = rateLimitHeaders(rule, counts[index], blocked);
    if (blocked) {
      apiMetrics.rateLimitRejected.inc({ limiter: rule.name });
      const rejected = problemResponse(
        c,
        429,
        `Rate limit of ${rule.rate.text} exceeded; retry later.`,
      );
      return withHeaders(rejected, headers);
    }
    c.set("limitHeaders", headers);
    await next();
    // On the finished response (see response-headers.ts for why not before).
    withHeaders(c.res, headers);
  });
}
