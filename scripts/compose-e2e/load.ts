// Light, bounded load for the compose e2e's fault and scale checks: one user, then POST /orders
// at a fixed rate for a fixed time, round-robin over the API URLs given, at most 8 in flight
// (a tick with 8 in flight is skipped). Stops by itself; prints one JSON line:
// {statuses: {"201": n, "503": n, "0": n (no HTTP answer)}, byUrl: {url: statuses}, created:
// [order ids], skipped}.
// Usage: deno run --allow-net scripts/compose-e2e/load.ts <seconds> <per-second> <url>...
import { client } from "../../tests/helpers/http.ts";

const [seconds, perSecond, ...urls] = Deno.args;
const until = Date.now() + Number(seconds) * 1000;
const owner = await client(urls[0]).user("compose-e2e-load");
const statuses: Record<string, number> = {};
const byUrl: Record<string, Record<string, number>> = Object.fromEntries(urls.map((u) => [u, {}]));
const created: string[] = [];
let inFlight = 0;
let skipped = 0;
let sent = 0;

async function order(url: string) {
  inFlight++;
  let status = 0;
  try {
    const response = await fetch(`${url}/orders`, {
      method: "POST",
      headers: { Authorization: `Bearer ${owner.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ items: { sku: "load", n: sent }, order_price: 1 }),
      signal: AbortSignal.timeout(15_000),
    });
    status = response.status;
    const body = await response.json().catch(() => undefined);
    if (status === 201) created.push(body.id);
  } catch {
    status = 0;
  } finally {
    statuses[status] = (statuses[status] ?? 0) + 1;
    byUrl[url][status] = (byUrl[url][status] ?? 0) + 1;
    inFlight--;
  }
}

const pending: Promise<void>[] = [];
while (Date.now() < until) {
  if (inFlight < 8) pending.push(order(urls[sent++ % urls.length]));
  else skipped++;
  await new Promise((resolve) => setTimeout(resolve, 1000 / Number(perSecond)));
}
await Promise.all(pending);
console.log(JSON.stringify({ statuses, byUrl, created, skipped }));
