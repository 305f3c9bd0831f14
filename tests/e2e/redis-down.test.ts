// With Redis stopped every endpoint still works from PostgreSQL; the cache heals afterwards.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { test } from "../helpers/app.ts";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { privateRedis, startApi } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

test("requests succeed while Redis is stopped, and no stale order is served after", async () => {
  const redis = await privateRedis();
  const api = await startApi({ REDIS_URL: redis.url, SLOWAPI_RATELIMIT: "1000/minute" });
  try {
    const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
    const u = await http.user();
    const order = await http.call("POST", "/orders", {
      token: u.token,
      json: { items: { a: 1 }, order_price: 1 },
    });
    strictEqual(
      (await http.call("GET", `/orders/${order.data.id}`, { token: u.token })).status,
      200,
    ); // cached now

    await redis.stop();
    const started = performance.now();
    const v = await http.user("redis-down");
    const created = await http.call("POST", "/orders", {
      token: v.token,
      json: { items: {}, order_price: 2 },
    });
    strictEqual(created.status, 201);
    strictEqual(
      (await http.call("GET", `/orders/${created.data.id}`, { token: v.token })).status,
      200,
    );
    // The cached order changes while Redis is down...
    strictEqual(
      (await http.call("PATCH", `/orders/${order.data.id}`, {
        token: u.token,
        json: { status: "PAID" },
      })).status,
      200,
    );
    strictEqual(
      (await http.call("GET", `/orders/${order.data.id}`, { token: u.token })).data.status,
      "PAID",
    );
    strictEqual(
      (await http.call("GET", `/orders/user/${v.id}`, { token: v.token })).data.total_items,
      1,
    );
    strictEqual((await http.call("GET", "/auth/me", { token: v.token })).status, 200);
    ok(performance.now() - started < 10_000, "no request waited for Redis");
    const ready = await http.call("GET", "/health/ready");
    strictEqual(ready.status, 200);
    // The public answer is the status alone; the failing dependency is named in the log.
    deepStrictEqual(ready.data, { status: "degraded" });
    // Log lines are written in batches and reach us through a pipe: wait for it, don't race it.
    await waitFor(
      () =>
        api.logs.some((line) =>
          line.includes('"readiness"') && line.includes('"redis":{"ok":false')
        ),
      { what: "the readiness log line naming redis" },
    );

    // ...so once Redis is back (its old data gone here, but the rule holds for any entry),
    // reads must show the committed status, never the one cached before the PATCH.
    await redis.start();
    await waitFor(async () => (await http.call("GET", "/health/ready")).data.status === "ok", {
      what: "redis reconnect",
      timeoutMs: 30_000, // the reconnection's speed is not under test here
    });
    for (let i = 0; i < 3; i++) {
      strictEqual(
        (await http.call("GET", `/orders/${order.data.id}`, { token: u.token })).data.status,
        "PAID",
      );
    }
  } finally {
    await api.stop();
    await redis.stop();
  }
});
