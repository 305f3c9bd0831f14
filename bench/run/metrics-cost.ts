// The CPU the metrics add to one cached GET, measured in-process where other processes on the
// machine barely disturb it: the same minimal Hono app answers GET /orders/:order_id with and
// without the metrics (plus the cache-hit counter a cached GET increments), in
// alternating batches; the difference of the per-request times is the metrics' cost.
import { OpenAPIHono } from "@hono/zod-openapi";
import { createFinishResponse, finishing } from "../../api/hot-path/index.ts";
import { recordRequest } from "../../api/metrics/http.ts";
import { countCacheRead } from "../../api/metrics/metrics.ts";
import { median } from "../lib/proc.ts";

const ORDER = { id: "0193a0f0-0000-7000-8000-000000000000", status: "PENDING", items: { a: 1 } };

function app(metrics: boolean) {
  const app = new OpenAPIHono();
  // The app's finishing step, counting and timing each request or not; no access lines.
  const record = metrics ? recordRequest : null;
  app.use(finishing(createFinishResponse({ record, access: () => {}, log: () => {} })));
  app.get("/orders/:order_id", (c) => c.json(metrics ? countCacheRead("hit", ORDER) : ORDER));
  return app;
}

async function batch(target: OpenAPIHono, n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await target.request(`/orders/${ORDER.id}`);
    await res.arrayBuffer();
  }
  return (performance.now() - started) * 1000 / n; // µs per request
}

/** The metrics' cost in µs per request: the median difference over `rounds` alternating batches. */
export async function metricsCostUs(rounds = 7, n = 20_000) {
  const on = app(true), off = app(false);
  await batch(on, n);
  await batch(off, n); // warm-up: JIT both paths
  const diffs: number[] = [];
  for (let r = 0; r < rounds; r++) diffs.push(await batch(on, n) - await batch(off, n));
  return { costUs: median(diffs) };
}
