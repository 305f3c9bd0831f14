// The hot path inside Hono's chain: the round trip's answer goes on the context for
// `authenticate` and the handlers, a request over its limit is refused with 429, and the
// others carry their rate-limit headers (written by finish.ts).
import { createMiddleware } from "hono/factory";
import { problemResponse } from "../lib/problem.ts";
import { apiMetrics } from "../metrics/metrics.ts";
import type { HotPathAnswer, HotPathEnv } from "./context.ts";
import { rateLimitHeaders, verdict } from "./rate-limit.ts";
import { createRoundTrip, type HotPathOptions, type RoundTripper } from "./round-trip.ts";

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const name in headers) response.headers.set(name, headers[name]);
  return response;
}

/** The middleware; given a round trip already built, it shares that one's fallback counters. */
export function hotPath(opts: HotPathOptions | RoundTripper) {
  const trip = opts && "perform" in opts ? opts : createRoundTrip(opts);
  return createMiddleware<HotPathEnv>(async (c, next) => {
    // A request the fast read handed over has had its round trip already.
    const done = c.env?.handOver?.roundTrip ?? await trip.perform(c);
    if (!done) return await next();
    const { counters, counts } = done;
    const answer: HotPathAnswer = { prefetched: done.prefetched };
    c.set("hotPath", answer);

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
    answer.limitHeaders = headers; // on the finished response (finish.ts)
    await next();
  });
}
