// The request deadline: no request waits longer than REQUEST_TIMEOUT_MS, whatever hangs
// behind it (a PostgreSQL that accepts connections but never answers, a full pool, a stalled
// Redis). Past the deadline the client gets 503 problem+json with Retry-After, and the
// request's database work is abandoned (request-deadline/scope.ts). A write may still have
// committed just before the deadline: clients retry with the same Idempotency-Key.
import { createMiddleware } from "hono/factory";
import { problemResponse } from "../lib/problem.ts";
import { abandonQueries, type RequestScope, runInScope } from "./scope.ts";
import type { HotPathEnv } from "../hot-path/context.ts";

export function requestTimeout({ timeoutMs }: { timeoutMs: number }) {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new Error("requestTimeout: timeoutMs must be a positive integer");
  }
  // The answer itself takes a moment (and a busy event loop fires timers late): the deadline
  // fires a little early, 5 % of the bound and at most 250 ms, so the client has its 503
  // within REQUEST_TIMEOUT_MS (the chaos suite saw 5,028 ms against a 5,000 ms bound before).
  const firstFireAfterMs = timeoutMs - Math.min(250, Math.floor(timeoutMs / 20));
  return createMiddleware<HotPathEnv>(async (c, next) => {
    // A request handed over by the fast read has waited since it arrived.
    const receivedAt = c.env?.handOver?.receivedAt;
    const waited = receivedAt === undefined ? 0 : performance.now() - receivedAt;
    const fireAfterMs = Math.max(0, firstFireAfterMs - waited);
    const scope: RequestScope = { abandoned: false, deadline: Date.now() + fireAfterMs };
    const work = runInScope(scope, next);
    // One timer and one promise per request, nothing else: an AbortController, Promise.race
    // and .finally() were measurable in a cached GET's profile (bench/PROFILE.md).
    const timedOut = await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(resolve, fireAfterMs, true);
      work.then(() => {
        clearTimeout(timer);
        resolve(false);
      }, (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    if (!timedOut) return;
    abandonQueries(scope);
    work.catch(() => {}); // it finishes (or fails) in the background; its answer is discarded
    return problemResponse(c, 503, "The request did not complete in time; try again shortly.", {}, {
      "Retry-After": "1",
    });
  });
}
