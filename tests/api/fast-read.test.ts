// The fast read (api/hot-path/fast-read.ts) answers a cached GET /orders/{id} outside the
// middleware chain. What it answers must be what the chain answers (here); what it hands over
// must be counted once and answered by the app as before (fast-read-handover.test.ts).
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createApp } from "../../api/app.ts";
import type { Log } from "../../common/logger.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { uniqueIp } from "../helpers/config.ts";
import { denylistComplete, served } from "../helpers/fast-read.ts";

// Values that differ between two requests by design; the names must still match.
const PER_REQUEST = new Set(["date", "ratelimit-remaining", "ratelimit-reset"]);

test("a cached GET /orders/{id} gets the same answer, log line and metrics as through the chain", async () => {
  const t = createTestApp();
  const lines: Record<string, unknown>[] = [];
  const log: Log = (_level, msg, fields = {}) => msg === "request" && lines.push(fields);
  // Both apps over the same pools, logging every request.
  const deps = { ...t.deps, log, config: { ...t.deps.config, logLevel: "info" as const } };
  const fast = createApp(deps);
  const chain = createApp(deps, { fastRead: false });
  try {
    const u = await t.user();
    const order = await t.order(u.token);
    strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200); // now cached
    await denylistComplete(t);
    const ip = { remoteAddr: { hostname: uniqueIp() } };
    const ask = (app: typeof fast, id: string) =>
      app.request(`/orders/${order.id}`, {
        headers: { Authorization: `Bearer ${u.token}`, "X-Request-Id": id },
      }, ip);
    lines.length = 0;
    const before = await served();
    const a = await ask(fast, "req-fast");
    strictEqual(await served(), before + 1, "the fast read's answer is counted");
    const b = await ask(chain, "req-chain");
    strictEqual(await served(), before + 2);
    strictEqual(a.status, 200);
    strictEqual(b.status, 200);
    strictEqual(await a.text(), await b.text());
    const names = (res: Response) => [...res.headers.keys()].sort();
    deepStrictEqual(names(a), names(b));
    for (const [name, value] of b.headers) {
      if (name === "x-request-id") continue;
      if (!PER_REQUEST.has(name)) strictEqual(a.headers.get(name), value, name);
    }
    strictEqual(a.headers.get("x-request-id"), "req-fast");
    strictEqual(b.headers.get("x-request-id"), "req-chain");
    // One counter for both: the second request saw one hit more.
    strictEqual(
      Number(b.headers.get("ratelimit-remaining")),
      Number(a.headers.get("ratelimit-remaining")) - 1,
    );

    strictEqual(lines.length, 2, JSON.stringify(lines));
    const [fromFast, fromChain] = lines;
    strictEqual(fromFast.request_id, "req-fast");
    strictEqual(fromChain.request_id, "req-chain");
    for (const field of ["method", "route", "path", "status", "user_id"]) {
      strictEqual(fromFast[field], fromChain[field], field);
    }
    deepStrictEqual(Object.keys(fromFast), Object.keys(fromChain));
    strictEqual(typeof fromFast.duration_ms, "number");
  } finally {
    await t.close();
  }
});

test("the fast read answers 429 through the app once the limit is spent", async () => {
  const t = createTestApp({ SLOWAPI_RATELIMIT: "3/minute" });
  try {
    const u = await t.user();
    const order = await t.order(u.token);
    const ip = uniqueIp();
    const ask = () =>
      t.request(`/orders/${order.id}`, { headers: { Authorization: `Bearer ${u.token}` } }, ip);
    for (let i = 0; i < 3; i++) strictEqual((await ask()).status, 200);
    const refused = await ask();
    await expectProblem(refused, 429);
    ok(Number(refused.headers.get("retry-after")) > 0);
    strictEqual(refused.headers.get("ratelimit-remaining"), "0");
  } finally {
    await t.close();
  }
});

test("with CORS configured a cached GET carries the CORS headers (the chain answers it)", async () => {
  const origin = "https://shop.example";
  const t = createTestApp({ CORS_ORIGINS: origin });
  try {
    const u = await t.user();
    const order = await t.order(u.token);
    strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200); // cached
    const res = await t.request(`/orders/${order.id}`, {
      headers: { Authorization: `Bearer ${u.token}`, Origin: origin },
    });
    strictEqual(res.status, 200);
    strictEqual(res.headers.get("access-control-allow-origin"), origin);
    ok(res.headers.get("access-control-expose-headers")?.includes("RateLimit-Remaining"));
  } finally {
    await t.close();
  }
});
