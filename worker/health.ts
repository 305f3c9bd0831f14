// GET /internal/alive for the orchestrator: 204 while the consumer runs, 503 otherwise;
// GET /metrics for Prometheus (the worker's registry, worker/metrics.ts).
// node:http rather than Bun.serve keeps the module type-checkable by Deno with the rest.
import { createServer } from "node:http";
import { registry } from "./metrics.ts";

export function startHealthServer(port: number, alive: () => boolean) {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/internal/alive") {
      res.writeHead(alive() ? 204 : 503).end();
    } else if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") {
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
