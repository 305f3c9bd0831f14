// The rate-limit engine's pure parts: which counter decides, its headers, the in-process
// fallback counters, and the checks on options when the middleware is built.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { parseRate } from "../../api/lib/rate.ts";
import { hotPath } from "../../api/hot-path/index.ts";
import {
  type Counter,
  type LimitRule,
  MemoryCounters,
  rateLimitHeaders,
  verdict,
} from "../../api/hot-path/rate-limit.ts";
import type { Redis } from "../../api/platform/redis.ts";

const rule = (name: string, rate: string): LimitRule => ({
  name,
  rate: parseRate(rate),
  key: () => name,
});
const counter = (r: LimitRule, key = r.name): Counter => ({ rule: r, key });

Deno.test("the first counter over its limit refuses; otherwise the closest one is shown", () => {
  const [general, login] = [rule("api", "30/minute"), rule("login", "5/minute")];
  const counters = [counter(general), counter(login)];
  deepStrictEqual(verdict(counters, [{ hits: 3, ttlMs: 1 }, { hits: 4, ttlMs: 1 }]), {
    index: 1,
    blocked: false,
  });
  deepStrictEqual(verdict(counters, [{ hits: 31, ttlMs: 1 }, { hits: 0, ttlMs: 0 }]), {
    index: 0,
    blocked: true,
  });
  deepStrictEqual(verdict([], []), { index: -1, blocked: false });
});

Deno.test("headers follow IETF draft 6 and Retry-After comes only with a refusal", () => {
  const r = rule("api", "5/minute");
  deepStrictEqual(rateLimitHeaders(r, { hits: 2, ttlMs: 41_200 }, false), {
    "RateLimit-Policy": "5;w=60",
    "RateLimit-Limit": "5",
    "RateLimit-Remaining": "3",
    "RateLimit-Reset": "42",
  });
  const refused = rateLimitHeaders(r, { hits: 6, ttlMs: 1_000 }, true);
  strictEqual(refused["RateLimit-Remaining"], "0");
  strictEqual(refused["Retry-After"], "1");
});

Deno.test("in-process counters keep fixed windows and stop counting after a refusal", () => {
  let now = 1_000_000;
  const memory = new MemoryCounters(3_600_000, () => now); // the longest window
  const [login, account] = [rule("login", "2/minute"), rule("login-account", "10/hour")];
  const counters = [counter(login, "ip:acct"), counter(account, "acct")];
  const hits = () => memory.count(counters).map((c) => c.hits);
  deepStrictEqual([hits(), hits(), hits()], [[1, 1], [2, 2], [3, 0]]);
  now += 59_999;
  deepStrictEqual(hits(), [4, 0]); // same window, still refused
  now += 1; // the login window has passed, the account's has not
  deepStrictEqual(hits(), [1, 3]);
  now += 3_600_000; // past a rotation of the maps: both windows are new
  deepStrictEqual(hits(), [1, 1]);
});

Deno.test("hotPath refuses bad options when it is built", () => {
  const redis = {} as Redis;
  const base = {
    redis,
    log: () => {},
    session: () => null,
    denylist: { session: (sid: string) => sid, complete: "complete" },
    prefetch: () => null,
  };
  throws(() => hotPath({ ...base, limits: [rule("Bad Name", "1/minute")] }), /bad name/);
  throws(
    () =>
      hotPath({
        ...base,
        limits: [{ ...rule("api", "1/minute"), rate: { limit: 0, windowMs: 1, text: "" } }],
      }),
    /bad rate/,
  );
  throws(() => hotPath({ ...base, session: undefined as never, limits: [] }), /session/);
});
