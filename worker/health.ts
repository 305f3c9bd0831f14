// GET /internal/alive for the orchestrator: 204 while the consumer runs, 503 otherwise.
// node:http rather than Bun.serve keeps the module type-checkable by Deno with the rest.
import { createServer } from "node:http";

export function startHealthServer(port: number, alive: () => boolean) {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/internal/alive") {
      res.writeHead(alive() ? 204 : 503).end();
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
