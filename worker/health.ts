// GET /internal/alive for the orchestrator: 204 while the consumer runs, 503 otherwise (a
// liveness probe: restart on 503). GET /internal/ready: 204 while the worker consumes and is
// not paused; 503 with the reason as JSON while the database cannot serve it (worker/pause.ts:
// an outage or a wrong role, grant or schema). Restarting would not help then, so alive stays
// 204. GET /metrics for Prometheus (the worker's registry, worker/metrics.ts).
// node:http rather than Bun.serve keeps the module type-checkable by Deno with the rest.
import { createServer } from "node:http";
import { registry } from "./metrics.ts";
import type { PauseState } from "./pause.ts";

export interface HealthSources {
  alive: () => boolean;
  paused: () => PauseState | null;
}

export function startHealthServer(port: number, { alive, paused }: HealthSources) {
  const server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    if (req.method === "GET" && path === "/internal/alive") {
      res.writeHead(alive() ? 204 : 503).end();
    } else if (req.method === "GET" && path === "/internal/ready") {
      const pause = paused();
      if (alive() && !pause) {
        res.writeHead(204).end();
      } else {
        const body = pause ? { status: "paused", ...pause } : { status: "not consuming" };
        res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify(body));
      }
    } else if (req.method === "GET" && path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise<{ close(): Promise<void> }>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () =>
      resolve({
        close: () => new Promise<void>((done) => server.close(() => done())),
      }));
  });
}
