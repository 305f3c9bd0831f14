// HOT_PATH_IN_PROCESS: a cached GET answered from the process's memory sends Redis nothing, and
// answers as the round trip would (tests/api/round-trip.test.ts is the other path).
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createClient } from "@redis/client";
import { createTestApp, test } from "../helpers/app.ts";
import { privateRedis } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

test("in process, a repeated cached GET /orders/{id} sends Redis no command", async () => {
  const redis = await privateRedis(); // nobody else's commands in the MONITOR stream
  const t = createTestApp({
    REDIS_URL: redis.url,
    SLOWAPI_RATELIMIT: "1000/minute", // leases of 62
    HOT_PATH_IN_PROCESS: "true",
  });
  const monitor = createClient({ url: redis.url });
  const marker = createClient({ url: redis.url });
  try {
    await Promise.all([monitor.connect(), marker.connect()]);
    await waitFor(() => t.deps.inProcess?.tracked.trusted(), { what: "the tracking connection" });
    const u = await t.user();
    const order = await t.order(u.token);
    const first = await t.get(`/orders/${order.id}`, u.token); // fills Redis, then memory
    strictEqual(first.status, 200);
    await waitFor(async () =>
      (await t.get(`/orders/${order.id}`, u.token)).status === 200 &&
      t.deps.inProcess!.tracked.size() >= 3, { what: "the entry and the session held" });

    const seen: string[] = [];
    await monitor.monitor((line) => seen.push(String(line)));
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await t.get(`/orders/${order.id}`, u.token));
    const done = `done-${crypto.randomUUID()}`;
    await marker.echo(done);
    await waitFor(() => seen.some((line) => line.includes(done)), { what: "the marker" });

    // The probes and the once-a-second repair check are no request's.
    const background = (line: string) =>
      /"ping"|"exists" "revoked:complete"/i.test(line) || line.includes(done);
    const sent = seen.filter((line) => !background(line));
    deepStrictEqual(sent, [], "commands sent");
    const remaining = responses.map((res) => Number(res.headers.get("ratelimit-remaining")));
    for (const res of responses) {
      strictEqual(res.status, 200);
      deepStrictEqual(await res.json(), order);
    }
    ok(remaining.every((n, i) => i === 0 || n === remaining[i - 1] - 1), `${remaining}`);
  } finally {
    await Promise.allSettled([monitor.close(), marker.close()]);
    await t.close();
    await redis.stop();
  }
});

test("in process, a write Redis did not take stops answers from memory until a repair pass", async () => {
  const t = createTestApp({ HOT_PATH_IN_PROCESS: "true" });
  try {
    const inProcess = t.deps.inProcess!;
    await waitFor(() => inProcess.tracked.trusted(), { what: "the tracking connection" });
    const u = await t.user();
    const order = await t.order(u.token);
    // What the PATCH handler reports when its cache entry was not acknowledged (orders.cache.ts).
    inProcess.changed(`order:${order.id}`, false);
    strictEqual(inProcess.tracked.trusted(), false);
    strictEqual(inProcess.tracked.size(), 0);
    // The process's next repair pass (redis-repair.ts, once a second) ends it.
    await waitFor(() => inProcess.tracked.trusted(), { what: "a repair pass", timeoutMs: 10_000 });
    strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200);
  } finally {
    await t.close();
  }
});
