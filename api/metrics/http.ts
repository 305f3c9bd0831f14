// Counts and times every request by method, route TEMPLATE (never the raw path: ids would make
// a new series each) and status. Also names Deno's HTTP server span after the route, when
// tracing is on, so traces group by route too.
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { activeRecordingSpan } from "../../common/tracing.ts";
import type { AppEnv } from "../types.ts";
import { apiMetrics } from "./metrics.ts";

const MAX_CACHED = 1_000; // a client can invent methods; the cache stays bounded regardless

export function httpMetrics() {
  const { httpRequests, httpDuration } = apiMetrics;
  // prom-client hashes a labels object on every call; the few (method, route, status)
  // combinations are looked up once and their children kept.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(value: number): void }>();
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const method = c.req.method;
      const route = routePath(c, -1);
      const seconds = (performance.now() - started) / 1000;
      const status = String(c.res.status);
      const series = `${method} ${route}`;
      let timer = timers.get(series);
      if (!timer) {
        timer = httpDuration.labels({ method, route });
        if (timers.size < MAX_CACHED) timers.set(series, timer);
      }
      let counter = counters.get(`${series} ${status}`);
      if (!counter) {
        counter = httpRequests.labels({ method, route, status });
        if (counters.size < MAX_CACHED) counters.set(`${series} ${status}`, counter);
      }
      counter.inc();
      timer.observe(seconds);
      const span = activeRecordingSpan();
      if (span) {
        span.setAttribute("http.route", route);
        span.updateName(`${method} ${route}`);
      }
    }
  });
}
