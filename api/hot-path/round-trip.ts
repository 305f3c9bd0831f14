// The request's single Redis round trip: one Lua script (EVALSHA) increments every rate-limit
// counter the request touches, checks the bearer token's session against the logout denylist
// (`revoked:sid:<sid>`) and, for GET /orders/{id}, reads the cache entry. Handlers and
// `authenticate` take those answers from the context instead of asking Redis again.
// Redis down: the limits count per process (MemoryCounters), the denylist is checked in
// PostgreSQL instead (auth/session-revocation.ts), and the cache is a miss, so the order comes
// from PostgreSQL. So is the denylist while Redis lacks `revoked:complete` (restarted empty).
import type { Context } from "hono";
import type { Log } from "../../common/logger.ts";
import { type Redis, redisScript } from "../platform/redis.ts";
import type { DenylistKeys, Prefetched, RoundTrip } from "./context.ts";
import {
  type Count,
  type Counter,
  type LimitRule,
  MemoryCounters,
  validateRule,
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

/**
 * The round trip, for the middleware (middleware.ts) and for the fast read, which answers
 * outside Hono's chain (fast-read.ts): `perform(c)` is null when the request touches no
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
    /** The session and the cache entry only, counting nothing (for a request counted already):
     * unknown (null) where Redis cannot tell. */
    async lookup(sid: string | null, cacheKey: string | null): Promise<Prefetched> {
      try {
        return (await inRedis([], sid, cacheKey)).prefetched;
      } catch {
        return {
          session: sid ? { sid, revoked: null } : undefined,
          cache: cacheKey ? { key: cacheKey, raw: null } : undefined,
        };
      }
    },
    /** `sid`: the session, when the caller has verified the token already. */
    async perform(c: Context, sid?: string | null): Promise<RoundTrip | null> {
      let counters = countersFor(limits, c);
      if (!Array.isArray(counters)) counters = await counters;
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

/** The counters a request touches, in the rules' order; at once unless a rule's key waits. */
export function countersFor(limits: LimitRule[], c: Context): Counter[] | Promise<Counter[]> {
  const counters: Counter[] = [];
  for (let i = 0; i < limits.length; i++) {
    const rule = limits[i];
    const key = rule.key(c);
    if (typeof key === "object" && key !== null) {
      return countersAfterWait(limits, c, counters, i, key);
    }
    if (key !== null) counters.push({ rule, key: `rl:${rule.name}:${key}` });
  }
  return counters;
}

// Only a login's rules wait (they read the form).
async function countersAfterWait(
  limits: LimitRule[],
  c: Context,
  counters: Counter[],
  from: number,
  pending: Promise<string | null>,
): Promise<Counter[]> {
  for (let i = from; i < limits.length; i++) {
    const rule = limits[i];
    const key = i === from ? await pending : await rule.key(c);
    if (key !== null) counters.push({ rule, key: `rl:${rule.name}:${key}` });
  }
  return counters;
}
