// The Redis read-through cache stays correct across PATCH and never goes back in time.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { cacheKey } from "../../api/orders/orders.cache.ts";
import { findOrder } from "../../api/orders/orders.repo.ts";
import { createTestApp, test } from "../helpers/app.ts";

const t = createTestApp();
const cached = async (id: string) => {
  const raw = await t.deps.redis.client().get(cacheKey(id));
  if (!raw) return null;
  const bar = raw.indexOf("|");
  return { version: Number(raw.slice(0, bar)), order: JSON.parse(raw.slice(bar + 1)) };
};

test("GET fills order:<id> with the TTL from config; later GETs are served from it", async () => {
  const u = await t.user();
  const order = await t.order(u.token);
  await t.deps.redis.client().del(cacheKey(order.id));
  strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200);
  deepStrictEqual((await cached(order.id))?.order, order);
  const ttl = await t.deps.redis.client().ttl(cacheKey(order.id));
  ok(ttl > 0 && ttl <= t.config.cacheTtlSeconds, `ttl ${ttl}`);
  // Prove the read comes from Redis: change the row behind the cache's back.
  await t.deps.sql`update orders set items = '{"changed": true}' where id = ${order.id}`;
  deepStrictEqual((await (await t.get(`/orders/${order.id}`, u.token)).json()).items, order.items);
});

test("a new order is cached by its first read, not by its creation (read-through)", async () => {
  const u = await t.user();
  const order = await t.order(u.token);
  // Creating writes no Redis entry (the POST's cost: docs/performance.md).
  strictEqual(await cached(order.id), null);
  const first = await t.get(`/orders/${order.id}`, u.token);
  strictEqual(first.status, 200);
  deepStrictEqual(await first.json(), order);
  deepStrictEqual((await cached(order.id))?.order, order);
});

test("PATCH replaces the cached order after commit", async () => {
  const u = await t.user();
  const order = await t.order(u.token);
  await t.get(`/orders/${order.id}`, u.token);
  const before = await cached(order.id);
  strictEqual(before?.order.status, "PENDING");
  strictEqual(
    (await t.json("PATCH", `/orders/${order.id}`, { status: "PAID" }, u.token)).status,
    200,
  );
  const after = await cached(order.id);
  strictEqual(after?.order.status, "PAID");
  ok(after!.version > before!.version);
  strictEqual((await (await t.get(`/orders/${order.id}`, u.token)).json()).status, "PAID");
  // A rejected move changes neither the row nor the cache.
  strictEqual(
    (await t.json("PATCH", `/orders/${order.id}`, { status: "PENDING" }, u.token)).status,
    409,
  );
  strictEqual((await cached(order.id))?.order.status, "PAID");
});

test("a stale cache fill racing a PATCH cannot overwrite the newer entry", async () => {
  const u = await t.user();
  const order = await t.order(u.token);
  const stale = await findOrder(t.deps.sql, order.id); // read before the PATCH commits
  strictEqual(
    (await t.json("PATCH", `/orders/${order.id}`, { status: "CANCELED" }, u.token)).status,
    200,
  );
  await t.deps.cache.put(stale!); // the slow reader finally writes what it read
  strictEqual((await cached(order.id))?.order.status, "CANCELED");
  strictEqual((await (await t.get(`/orders/${order.id}`, u.token)).json()).status, "CANCELED");
});

test("a cached order is still private to its owner", async () => {
  const owner = await t.user();
  const other = await t.user();
  const order = await t.order(owner.token);
  await t.get(`/orders/${order.id}`, owner.token);
  ok(await cached(order.id));
  strictEqual((await t.get(`/orders/${order.id}`, other.token)).status, 404);
});
