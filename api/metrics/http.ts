// Counts and times every request by method, route TEMPLATE (never the raw path: ids would make
// a new series each) and status. Also names Deno's HTTP server span after the route, when
// tracing is on, so traces group by route too.
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { activeRecordingSpan } from "../../common/tracing.ts";
import type { AppEnv } from "../types.ts";
import { apiMetrics } from "./metrics.ts";

export function httpMetrics() {
  const { httpRequests, httpDuration } = apiMetrics;
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const method = c.req.method;
      const route = routePath(c, -1);
      const seconds = (performance.now() - started) / 1000;
      httpRequests.inc({ method, route, status: String(c.res.status) });
      httpDuration.observe({ method, route }, seconds);
      const span = activeRecordingSpan();
      if (span) {
        span.setAttribute("http.route", route);
        span.updateName(`${method} ${route}`);
      }
    }
  });
}
