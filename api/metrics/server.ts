// GET /metrics on its own port (METRICS_PORT), apart from the public API, so the metrics are
// reachable by Prometheus on the internal network without being exposed to clients.
import type { Log } from "../../common/logger.ts";
import { collectDefaultMetrics } from "prom-client";
import { registry } from "./metrics.ts";

export function startMetricsServer(opts: { hostname: string; port: number; log: Log }) {
  collectDefaultMetrics({ register: registry }); // process_* and nodejs_* (CPU, memory, GC, loop)
  return Deno.serve({
    hostname: opts.hostname,
    port: opts.port,
    onListen: ({ hostname, port }) => opts.log("info", "metrics listening", { hostname, port }),
  }, async (request) => {
    const path = new URL(request.url).pathname;
    if (request.method !== "GET" || path !== "/metrics") {
      return new Response("not found\n", { status: 404 });
    }
    return new Response(await registry.metrics(), {
      headers: { "content-type": registry.contentType },
    });
  });
}
