// Counts and times every request by method, route TEMPLATE (never the raw path: ids would make
// a new series each) and status. Also names Deno's HTTP server span after the route, when
// tracing is on, so traces group by route too.
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { activeRecordingSpan } from "../../common/tracing.ts";
import type { HotPathEnv } from "../hot-path/context.ts";
import { apiMetrics } from "./metrics.ts";

/** Counts and times one finished request; shared with the fast read (hot-path/fast-read.ts). */
export function recordRequest(method: string, route: string, status: number, seconds: number) {
  apiMetrics.httpRequests.inc({ method, route, status: String(status) });
  apiMetrics.httpDuration.observe({ method, route }, seconds);
  const span = activeRecordingSpan();
  if (span) {
    span.setAttribute("http.route", route);
    span.updateName(`${method} ${route}`);
  }
}

export function httpMetrics() {
  return createMiddleware<HotPathEnv>(async (c, next) => {
    const started = c.env?.handOver?.receivedAt ?? performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      recordRequest(c.req.method, routePath(c, -1), c.res.status, seconds);
    }
  });
}
