// The request deadline (REQUEST_TIMEOUT_MS): a request stuck behind a busy pool is answered
// 503 problem+json with Retry-After, and its queued database work is dropped, not run later.
import { ok, strictEqual } from "node:assert/strict";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

test("a request past its deadline gets 503 + Retry-After and its queued write never runs", async () => {
  const t = createTestApp({ DB_POOL_MAX: "1", REQUEST_TIMEOUT_MS: "1000" });
  try {
    const u = await t.user("deadline");
    // The only request connection is busy for longer than the deadline.
    const hold = t.deps.sql`select pg_sleep(3)`.execute(); // queries are lazy: run it now
    const res = await t.json("POST", "/orders", { items: { sku: 1 }, order_price: 1 }, u.token);
    ok(
      res.headers.get("retry-after"),
      `Retry-After is set: ${res.status} ${await res.clone().text()}`,
    );
    strictEqual(res.headers.get("ratelimit-limit"), "100000", "the 503 counts against the limit");
    await expectProblem(res, 503);
    await hold;
    // FIFO pool of one: had the abandoned transaction stayed queued, it would hold the
    // connection (through its commit) before this query got it.
    await t.deps.sql`select 1`;
    const [{ count }] = await t.deps.sql<{ count: number }[]>`
      select count(*)::int as count from orders where creator_id = ${u.id}`;
    strictEqual(count, 0, "the abandoned order was not created");
  } finally {
    await t.close();
  }
});
