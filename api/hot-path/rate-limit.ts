// Fixed-window rate limits: the rules, their IETF RateLimit-* headers (draft 6, as before),
// and the per-process counters used while Redis is unreachable. The counting itself happens in
// the request's single Redis round trip (round-trip.ts).
import type { Context } from "hono";
import type { Rate } from "../lib/rate.ts";

export interface LimitRule {
  /** Names the counters in Redis, `rl:<name>:<key>`: "api", "login", ... */
  name: string;
  rate: Rate;
  /** The counter for this request, or null when the rule does not apply to it. */
  key: (c: Context) => string | null | Promise<string | null>;
}

export function validateRule(rule: LimitRule): LimitRule {
  if (!/^[a-z-]+$/.test(rule?.name ?? "")) throw new Error(`rate limit: bad name "${rule?.name}"`);
  if (!(rule.rate?.limit >= 1 && rule.rate.windowMs >= 1)) {
    throw new Error(`rate limit ${rule.name}: bad rate`);
  }
  if (typeof rule.key !== "function") throw new Error(`rate limit ${rule.name}: key is required`);
  return rule;
}

/** One counter a request touches. */
export interface Counter {
  rule: LimitRule;
  key: string;
}

/** A counter after this request: hits in the window and milliseconds until it resets. */
export interface Count {
  hits: number;
  ttlMs: number;
}

/**
 * Counters are evaluated in order; once one is over its limit the later ones are not counted
 * (as when each limit was its own middleware), and the request is refused by that one.
 * Otherwise the headers describe the counter closest to its limit.
 */
export function verdict(counters: Counter[], counts: Count[]) {
  let shown = -1;
  let least = Infinity;
  for (let i = 0; i < counters.length; i++) {
    const remaining = counters[i].rule.rate.limit - counts[i].hits;
    if (remaining < 0) return { index: i, blocked: true };
    if (remaining <= least) [shown, least] = [i, remaining];
  }
  return { index: shown, blocked: false };
}

export function rateLimitHeaders(rule: LimitRule, count: Count, blocked: boolean) {
  const { limit, windowMs } = rule.rate;
  const resetSeconds = Math.max(0, Math.ceil(count.ttlMs / 1000));
  const headers: Record<string, string> = {
    "RateLimit-Policy": `${limit};w=${Math.ceil(windowMs / 1000)}`,
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(Math.max(limit - count.hits, 0)),
  };
  if (resetSeconds > 0) headers["RateLimit-Reset"] = String(resetSeconds);
  if (blocked) headers["Retry-After"] = String(resetSeconds || Math.ceil(windowMs / 1000));
  return headers;
}

interface Window {
  hits: number;
  resetAt: number;
}

/**
 * Per-process counters with the same fixed-window rules, for while Redis is down: each API
 * process then limits on its own (N processes allow up to N times the limit) instead of not
 * limiting at all. Two generations of maps, rotated every `retainMs` (the longest window), keep
 * memory to the keys seen in the last two rotations.
 */
export class MemoryCounters {
  #current = new Map<string, Window>();
  #previous = new Map<string, Window>();
  #rotateAt = 0;

  constructor(private retainMs: number, private now: () => number = Date.now) {}

  count(counters: Counter[]): Count[] {
    const now = this.now();
    if (now >= this.#rotateAt) {
      this.#previous = this.#current;
      this.#current = new Map();
      this.#rotateAt = now + this.retainMs;
    }
    const counts: Count[] = [];
    let blocked = false;
    for (const { rule, key } of counters) {
      if (blocked) {
        counts.push({ hits: 0, ttlMs: 0 });
        continue;
      }
      let window = this.#current.get(key) ?? this.#previous.get(key);
      if (!window || window.resetAt <= now) window = { hits: 0, resetAt: now + rule.rate.windowMs };
      this.#current.set(key, window);
      window.hits++;
      counts.push({ hits: window.hits, ttlMs: window.resetAt - now });
      blocked = window.hits > rule.rate.limit;
    }
    return counts;
  }
}
