// Idempotency-Key on POST /orders: replay, mismatch, concurrency.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

const t = createTestApp();
const countOrders = async (userId: string) =>
  (await t.deps.sql`select count(*)::int as n from orders where creator_id = ${userId}`)[0].n;

test("a retry with the same key and body replays the first response", async () => {
  const u = await t.user();
  const body = { items: { a: 1, b: 2 }, order_price: 5 };
  const first = await t.json("POST", "/orders", body, u.token, { "Idempotency-Key": "k-1" });
  strictEqual(first.status, 201);
  const order = await first.json();
  // Same content in another key order is the same request.
  const again = await t.json(
    "POST",
    "/orders",
    { order_price: 5, items: { b: 2, a: 1 } },
    u.token,
    {
      "Idempotency-Key": "k-1",
    },
  );
  strictEqual(again.status, 201);
  strictEqual(again.headers.get("idempotent-replayed"), "true");
  strictEqual(again.headers.get("location"), `/orders/${order.id}`);
  deepStrictEqual(await again.json(), order);
  strictEqual(await countOrders(u.id), 1);
});

test("the same key with a different body is 422; keys are per user", async () => {
  const u = await t.user();
  const other = await t.user();
  await t.json("POST", "/orders", { items: {}, order_price: 1 }, u.token, {
    "Idempotency-Key": "shared",
  });
  await expectProblem(
    await t.json("POST", "/orders", { items: {}, order_price: 2 }, u.token, {
      "Idempotency-Key": "shared",
    }),
    422,
  );
  const theirs = await t.json("POST", "/orders", { items: {}, order_price: 2 }, other.token, {
    "Idempotency-Key": "shared",
  });
  strictEqual(theirs.status, 201);
  strictEqual(await countOrders(u.id), 1);
  strictEqual(await countOrders(other.id), 1);
});

test("20 concurrent requests with one key create exactly one order", async () => {
  const u = await t.user();
  const body = { items: { sku: 1 }, order_price: 9.99 };
  const responses = await Promise.all(
    Array.from(
      { length: 20 },
      () => t.json("POST", "/orders", body, u.token, { "Idempotency-Key": "burst" }),
    ),
  );
  const statuses = responses.map((r) => r.status);
  ok(statuses.every((s) => s === 201 || s === 409), statuses.join(","));
  const created = new Set<string>();
  for (const res of responses) {
    if (res.status === 201) created.add((await res.json()).id);
    else await expectProblem(res, 409);
  }
  strictEqual(created.size, 1);
  strictEqual(await countOrders(u.id), 1);
  const outbox = await t.deps.sql`select count(*)::int as n from outbox where record_key = ${
    [...created][0]
  }`;
  strictEqual(outbox[0].n, 1);
});

test("an Idempotency-Key over 255 characters is 422", async () => {
  const u = await t.user();
  await expectProblem(
    await t.json("POST", "/orders", { items: {}, order_price: 1 }, u.token, {
      "Idempotency-Key": "x".repeat(256),
    }),
    422,
  );
});

test("an expired key (older than 24 h) creates a new order", async () => {
  const u = await t.user();
  const body = { items: {}, order_price: 3 };
  const first = await (await t.json("POST", "/orders", body, u.token, { "Idempotency-Key": "old" }))
    .json();
  await t.deps.sql`
    update idempotency_keys set created_at = now() - interval '25 hours'
    where user_id = ${u.id} and key = 'old'`;
  const second = await t.json("POST", "/orders", body, u.token, { "Idempotency-Key": "old" });
  strictEqual(second.status, 201);
  ok((await second.json()).id !== first.id);
  strictEqual(await countOrders(u.id), 2);
});
