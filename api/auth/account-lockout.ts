// The per-account login limit (LOGIN_ACCOUNT_RATELIMIT): failed password attempts on one
// account, from all clients together, in a fixed window. Only failures count, and a successful
// login clears them, so an attempt that cannot fail (the owner's) never uses up the budget.
//
// Over the limit, the account is not locked for its owner: each client address (IPv6: /64) may
// still have one password checked per account until the window ends; every other attempt is
// refused unchecked. A wrong password over the limit is answered 429 like an unchecked one.
// docs/security.md ("Login lockout") says what this leaves an attacker and what it costs them.
//
// Counted in Redis, in the handler (after the form is validated), with one round trip to admit
// and one to record the outcome. While Redis cannot be asked the check is skipped (the
// per-client login limit, which falls back to in-process counters, still holds).
import type { Rate } from "../lib/rate.ts";
import { type Redis, redisScript } from "../platform/redis.ts";
import type { Log } from "../../common/logger.ts";
import { errorFields } from "../../common/logger.ts";
import { ProblemError } from "../lib/problem.ts";
import { apiMetrics } from "../metrics/metrics.ts";

/** Longer than any email address; longer "usernames" share a counter, which is harmless. */
const MAX_ACCOUNT_KEY = 320;

/** The counter an account's logins use: trimmed, case-folded, bounded. */
export const accountKey = (username: string) =>
  username.trim().toLowerCase().slice(0, MAX_ACCOUNT_KEY);

// Returns {0} under the limit; over it {1, ttl} for this address's one checked attempt and
// {2, ttl} for a refusal (ttl: ms until the window ends).
const ADMIT = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures < tonumber(ARGV[1]) then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then ttl = tonumber(ARGV[2]) end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ttl) then return {1, ttl} end
return {2, ttl}`;

const FAILED = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

export type Admission =
  | { check: true; overLimit: false }
  | { check: true; overLimit: true; retryAfterSeconds: number }
  | { check: false; retryAfterSeconds: number };

/** The 429 of an attempt over the account's limit, checked or not (they look the same). */
export function lockedOut(rate: Rate, retryAfterSeconds: number): ProblemError {
  apiMetrics.rateLimitRejected.inc({ limiter: "login-account" });
  return new ProblemError(
    429,
    `Too many failed logins for this account (${rate.text}); retry later.`,
    {},
    { "Retry-After": String(retryAfterSeconds) },
  );
}

export interface AccountLockout {
  /** Whether this client's password attempt on this account is checked at all. */
  admit(account: string, client: string): Promise<Admission>;
  /** A checked password was wrong: one failure more for the account. */
  failed(account: string): Promise<void>;
  /** A checked password was right: the account's failures are forgotten. */
  succeeded(account: string): Promise<void>;
}

const UNLIMITED: AccountLockout = {
  admit: () => Promise.resolve({ check: true, overLimit: false }),
  failed: () => Promise.resolve(),
  succeeded: () => Promise.resolve(),
};

export function createAccountLockout(
  { redis, rate, log, enabled }: { redis: Redis; rate: Rate; log: Log; enabled: boolean },
): AccountLockout {
  if (!enabled) return UNLIMITED;
  const admit = redisScript(redis, ADMIT);
  const failed = redisScript(redis, FAILED);
  const failuresKey = (account: string) => `rl:login-account:${account}`;
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  const warn = (what: string) => (error: unknown) =>
    log("warning", `login lockout: ${what} skipped, Redis unavailable`, errorFields(error));

  return {
    async admit(account, client) {
      if (!account) return { check: true, overLimit: false };
      try {
        const [verdict, ttl] = await admit.run(
          [failuresKey(account), `rl:login-locked:${client}:${account}`],
          [String(rate.limit), String(rate.windowMs)],
        ) as [number, number];
        if (verdict === 0) return { check: true, overLimit: false };
        return verdict === 1
          ? { check: true, overLimit: true, retryAfterSeconds: seconds(ttl) }
          : { check: false, retryAfterSeconds: seconds(ttl) };
      } catch (error) {
        warn("check")(error);
        return { check: true, overLimit: false };
      }
    },
    async failed(account) {
      if (!account) return;
      await failed.run([failuresKey(account)], [String(rate.windowMs)]).catch(warn("count"));
    },
    async succeeded(account) {
      if (!account) return;
      await redis.run((c) => c.del(failuresKey(account))).catch(warn("clear"));
    },
  };
}
