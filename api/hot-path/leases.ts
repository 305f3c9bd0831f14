// Rate limits counted in this process against shares of the limit leased from Redis (token
// leasing): a lease takes up to `leaseSize` hits of the shared counter at once, and requests
// spend them here without a round trip. A lease never takes more than the window has left, so
// the instances together admit no more than the limit while Redis answers; what one instance
// holds unused is refused to the others until it is given back (when the counter has been idle
// for a moment) or the window ends. Limits below 32 a window lease one hit at a time: every
// request is counted in Redis, as before. Bounds: docs/security.md, "The in-process hot path".
import type { Log } from "../../common/logger.ts";
import { type Redis, redisScript } from "../platform/redis.ts";
import type { Count, Counter } from "./rate-limit.ts";

// KEYS: the counters. ARGV[1]: "1" when a request waits on this (a counter with nothing left is
// then counted once: the refused request, as INCR does in round-trip.ts, and ends the list, as a
// refused request counts no further); "0" for a refill ahead of need, which counts nothing it
// does not grant. Then per counter: its window ms, limit and the hits wanted. Takes
// min(wanted, left) hits of each. Reply per counter: hits after, ms to reset, hits granted, and
// the reset time on the server's clock (ms).
const LEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local waiting = ARGV[1] == '1'
local out = {}
for i = 1, #KEYS do
  local window, limit, want = tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i]), tonumber(ARGV[3*i+1])
  local hits = tonumber(redis.call('GET', KEYS[i]) or '0')
  local ttl = redis.call('PTTL', KEYS[i])
  local grant = math.min(want, limit - hits)
  if grant >= 1 then
    hits = redis.call('INCRBY', KEYS[i], grant)
  elseif waiting then
    grant = 0
    hits = redis.call('INCR', KEYS[i])
  else
    grant = 0
  end
  if ttl <= 0 and hits > 0 then
    ttl = window
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
  table.insert(out, hits)
  table.insert(out, ttl)
  table.insert(out, grant)
  table.insert(out, now + ttl)
  if grant == 0 then break end
end
return out`;

// KEYS[1]: a counter; ARGV: hits to give back, the lease's reset time. Only to the same window
// (a key that expired and started again is another window: its reset time differs).
const GIVE_BACK = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if math.abs(now + ttl - tonumber(ARGV[2])) > 2 then return 0 end
local back = math.min(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('DECRBY', KEYS[1], back)
return back`;

interface Lease {
  rule: Counter["rule"];
  /** Hits leased and not spent. */
  left: number;
  /** The shared counter after the last grant: spent here = granted - left. */
  hits: number;
  /** When the window ends, on this clock, never later than in Redis (counted from sending). */
  endsAt: number;
  /** When the window ends on Redis's clock, to give hits back to this window only. */
  serverResetAt: number;
  usedAt: number;
}

export interface LeaseOptions {
  redis: Redis;
  log: Log;
  /** The most hits one lease takes. */
  maxLease: number;
  /** Unspent hits of a counter idle this long are given back. */
  idleMs: number;
}

export const leaseSize = (limit: number, maxLease: number) =>
  Math.max(1, Math.min(maxLease, Math.floor(limit / 16)));

export function createLeasedCounters(opts: LeaseOptions) {
  const { redis, log, maxLease, idleMs } = opts;
  const lease = redisScript(redis, LEASE);
  const giveBack = redisScript(redis, GIVE_BACK);
  const leases = new Map<string, Lease>();
  const inFlight = new Map<string, Promise<unknown>>();

  const usable = (held: Lease | undefined, now: number): held is Lease =>
    held !== undefined && held.left >= 1 && held.endsAt > now;

  /** Spends one leased hit of every counter, or returns null if one has none left. */
  function spend(counters: Counter[], now: number): Count[] | null {
    for (let i = 0; i < counters.length; i++) {
      if (!usable(leases.get(counters[i].key), now)) return null;
    }
    return counters.map(({ key, rule }) => spendOne(key, rule.rate.limit, now));
  }

  function spendOne(key: string, limit: number, now: number): Count {
    const held = leases.get(key)!;
    held.left--;
    held.usedAt = now;
    // Refilled ahead of need, so a busy counter does not make requests wait for Redis.
    if (held.left * 2 < leaseSize(limit, maxLease) && !inFlight.has(key) && held.left > 0) {
      acquire([{ key, rule: held.rule }], false).catch(() => {});
    }
    return { hits: held.hits - held.left, ttlMs: held.endsAt - now };
  }

  /** One script call leasing for these counters; the refusals (when `waiting`) by key. */
  async function acquire(needed: Counter[], waiting: boolean): Promise<Map<string, Count>> {
    const refused = new Map<string, Count>();
    if (needed.length === 0) return refused;
    const sentAt = performance.now();
    const args = [waiting ? "1" : "0"];
    for (const { rule } of needed) {
      const { windowMs, limit } = rule.rate;
      args.push(String(windowMs), String(limit), String(leaseSize(limit, maxLease)));
    }
    const call = lease.run(needed.map(({ key }) => key), args) as Promise<number[]>;
    for (const { key } of needed) inFlight.set(key, call);
    let reply: number[];
    try {
      reply = (await call).map(Number);
    } finally {
      for (const { key } of needed) if (inFlight.get(key) === call) inFlight.delete(key);
    }
    const now = performance.now();
    needed.forEach(({ key, rule }, i) => {
      if (reply.length < 4 * (i + 1)) return; // after a refused counter: not counted
      const [hits, ttlMs, granted, serverResetAt] = reply.slice(4 * i, 4 * i + 4);
      if (granted === 0) return waiting && refused.set(key, { hits, ttlMs });
      const held = leases.get(key);
      const sameWindow = held && Math.abs(held.serverResetAt - serverResetAt) <= 2 &&
        held.endsAt > now;
      leases.set(key, {
        rule,
        left: (sameWindow ? held.left : 0) + granted,
        hits,
        endsAt: sentAt + ttlMs,
        serverResetAt,
        usedAt: now,
      });
    });
    return refused;
  }

  /** Leases for the counters that need one, then spends, in order: a refused counter ends the
   * request's counting, as in Redis. */
  async function renew(counters: Counter[]): Promise<Count[]> {
    // One lease per counter at a time: the requests that find one on its way wait for it, so
    // a burst cannot take the whole window into one process.
    for (;;) {
      const waits = counters.map(({ key }) => inFlight.get(key)).filter(Boolean);
      if (waits.length === 0) break;
      await Promise.allSettled(waits);
      const spent = spend(counters, performance.now());
      if (spent) return spent;
    }
    const sentAt = performance.now();
    const refused = await acquire(
      counters.filter(({ key }) => !usable(leases.get(key), sentAt)),
      true,
    );
    const now = performance.now();
    const counts: Count[] = [];
    for (const { key, rule } of counters) {
      const refusal = refused.get(key);
      if (refusal) {
        counts.push(refusal);
        while (counts.length < counters.length) counts.push({ hits: 0, ttlMs: 0 });
        return counts;
      }
      if (!usable(leases.get(key), now)) {
        // Spent meanwhile by concurrent requests: take the next lease.
        return [...counts, ...await renew(counters.slice(counts.length))];
      }
      counts.push(spendOne(key, rule.rate.limit, now));
    }
    return counts;
  }

  // Unspent hits of idle counters go back, so other instances can use them this window.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [key, held] of leases) {
      if (held.endsAt <= now) leases.delete(key);
      else if (now - held.usedAt >= idleMs && !inFlight.has(key)) {
        leases.delete(key);
        if (held.left > 0) returnHits(key, held);
      }
    }
  }, idleMs);
  Deno.unrefTimer(sweep);

  function returnHits(key: string, held: Lease): Promise<unknown> {
    return giveBack.run([key], [String(held.left), String(held.serverResetAt)]).catch((error) =>
      log("debug", "leased hits not given back; they expire with the window", {
        key,
        error: String(error),
      })
    );
  }

  return {
    /** Counts the request on every counter: at once from leases held, else after Redis. */
    count(counters: Counter[]): Count[] | Promise<Count[]> {
      const now = performance.now();
      const counts = spend(counters, now);
      return counts ?? renew(counters);
    },
    /** Gives every unspent hit back (at shutdown, before Redis is closed). */
    async close() {
      clearInterval(sweep);
      const returns = [...leases].filter(([, held]) => held.left > 0);
      leases.clear();
      await Promise.all(returns.map(([key, held]) => returnHits(key, held)));
    },
    /** Hits held unspent, for tests. */
    held: (key: string) => leases.get(key)?.left ?? 0,
  };
}

export type LeasedCounters = ReturnType<typeof createLeasedCounters>;
