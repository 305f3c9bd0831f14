// The request deadline: no request waits longer than REQUEST_TIMEOUT_MS, whatever hangs
// behind it (a PostgreSQL that accepts connections but never answers, a full pool, a stalled
// Redis). Past the deadline the client gets 503 problem+json with Retry-After, and the
// request's database work is abandoned (lib/request-scope.ts). A write may still have
// committed just before the deadline: clients retry with the same Idempotency-Key.
import { createMiddleware } from "hono/factory";
import { problemResponse } from "../lib/problem.ts";
import { abandonQueries, type RequestScope, runInScope } from "../lib/request-scope.ts";
import type { AppEnv } from "../types.ts";

export function requestTimeout({ timeoutMs }: { timeoutMs: number }) {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new Error("requestTimeout: timeoutMs must be a positive integer");
  }
  return createMiddleware<AppEnv>(async (c, next) => {
    const controller = new AbortController();
    const scope: RequestScope = {
      signal: controller.signal,
      queries: new Set(),
      deadline: Date.now() + timeoutMs,
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const work = runInScope(scope, next);
    const timedOut = await Promise.race([work.then(() => false), expired]).finally(() =>
      clearTimeout(timer)
    );
    if (!timedOut) return;
    controller.abort();
    abandonQueries(scope);
    work.catch(() => {}); // it finishes (or fails) in the background; its answer is discarded
    return problemResponse(c, 503, "The request did not complete in time; try again shortly.", {}, {
      "Retry-After": "1",
    });
  });
}
