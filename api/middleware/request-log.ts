// One JSON log line per request: id, method, matched route, status, duration.
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Log } from "../../common/logger.ts";
import type { AppEnv } from "../types.ts";

export function requestLog(log: Log) {
  if (typeof log !== "function") throw new Error("requestLog: log is required");
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
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
