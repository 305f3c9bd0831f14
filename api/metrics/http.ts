// Counts and times every request by method, route TEMPLATE (never the raw path: ids would make
// a new series each) and status. Also names Deno's HTTP server span after the route, when
// tracing is on, so traces group by route too.
import { activeRecordingSpan } from "../../common/tracing.ts";
import { apiMetrics } from "./metrics.ts";

/** Counts and times one finished request (hot-path/finish.ts, for the chain and the fast read). */
export function recordRequest(method: string, route: string, status: number, seconds: number) {
  apiMetrics.httpRequests.inc({ method, route, status: String(status) });
  apiMetrics.httpDuration.observe({ method, route }, seconds);
  const span = activeRecordingSpan();
  if (span) {
    span.setAttribute("http.route", route);
    span.updateName(`${method} ${route}`);
  }
}
