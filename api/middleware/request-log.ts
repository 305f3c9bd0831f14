// The access log: one JSON line per request with id, method, matched route, status, duration.
// Server errors (5xx) are always logged; other requests are logged with probability
// `sampleRate` (ACCESS_LOG_SAMPLE_RATE; 1 logs every request, 0 none), because formatting and
// writing a line per request costs a cached GET a measurable share of its time
// (bench/PROFILE.md).
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Log } from "../../common/logger.ts";
import type { AppEnv } from "../types.ts";

export function requestLog(log: Log, { sampleRate = 1 }: { sampleRate?: number } = {}) {
  if (typeof log !== "function") throw new Error("requestLog: log is required");
  if (!(sampleRate >= 0 && sampleRate <= 1)) {
    throw new Error("requestLog: sampleRate must be between 0 and 1");
  }
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    if (status < 500 && (sampleRate === 0 || (sampleRate < 1 && Math.random() >= sampleRate))) {
      return;
    }
    log(status >= 500 ? "error" : "info", "request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      route: routePath(c, -1),
      path: c.req.path,
      status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      user_id: c.get("user")?.id,
    });
  });
}
