// GET and HEAD /orders/{id} with ETags (RFC 9110 §13): the tag is the order's version; a
// current If-None-Match gets 304 without a body, from the cache and from the database, counted
// against the rate limit; the fast read and the app answer alike (tests/api/fast-read.test.ts
// compares them the same way).
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { createApp } from "../../api/app.ts";
import { apiMetrics } from "../../api/metrics/metrics.ts";
import { cacheKey } from "../../api/orders/orders.cache.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { uniqueIp } from "../helpers/config.ts";

const t = createTestApp();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => t.close());
const fast = createApp(t.deps);
const chain = createApp(t.deps, { fastRead: false });
const apps = { fast, chain };

const cacheReads = async (result: string) =>
  (await apiMetrics.orderCacheRequests.get()).values.find((v) => v.labels.result === result)
    ?.value ?? 0;

async function setUp() {
  const u = await t.user();
  const order = await t.order(u.token);
  const ip = { remoteAddr: { hostname: uniqueIp() } };
  const ask = (app: typeof fast, headers: Record<string, string> = {}, method = "GET") =>
    app.request(`/orders/${order.id}`, {
      method,
      headers: { Authorization: `Bearer ${u.token}`, ...headers },
    }, ip);
  return { u, order, ask };
}

/** Status, body and every header but those that differ per request by design. */
async function shape(res: Response) {
  const headers = [...res.headers].filter(([name]) =>
    !["date", "ratelimit-remaining", "ratelimit-reset", "x-request-id"].includes(name)
  );
  return { status: res.status, body: await res.text(), headers };
}

test("GET carries the version as a strong ETag; If-None-Match gets 304 from the cache", async () => {
  const { ask } = await setUp();
  const first = await ask(chain); // fills the cache
  strictEqual(first.status, 200);
  strictEqual(first.headers.get("etag"), '"1"');
  const body = await first.text();
  for (const [name, app] of Object.entries(apps)) {
    const hitsBefore = await cacheReads("hit");
    const full = await ask(app);
    strictEqual(full.headers.get("etag"), '"1"', name);
    strictEqual(await full.text(), body, name);
    for (const tag of ['"1"', 'W/"1"', '"0", "1"', "*"]) {
      const res = await ask(app, { "If-None-Match": tag });
      strictEqual(res.status, 304, `${name} ${tag}`);
      strictEqual(await res.text(), "", `${name}: no body`);
      strictEqual(res.headers.get("etag"), '"1"');
      strictEqual(res.headers.get("content-type"), null);
    }
    for (const tag of ['"2"', "1", '"1']) { // another version, or malformed: the full answer
      const res = await ask(app, { "If-None-Match": tag });
      strictEqual(res.status, 200, `${name} ${tag}`);
      strictEqual(await res.text(), body);
    }
    strictEqual(await cacheReads("hit"), hitsBefore + 8, `${name}: every answer from the cache`);
  }
});

test("304 from the database when the order is not cached", async () => {
  const { order, ask } = await setUp();
  for (const [name, app] of Object.entries(apps)) {
    await t.deps.redis.run((c) => c.del(cacheKey(order.id)));
    const missesBefore = await cacheReads("miss");
    const res = await ask(app, { "If-None-Match": '"1"' });
    strictEqual(res.status, 304, name);
    strictEqual(await res.text(), "");
    strictEqual(res.headers.get("etag"), '"1"');
    strictEqual(await cacheReads("miss"), missesBefore + 1, `${name}: read from PostgreSQL`);
  }
});

test("the fast read and the app give the same 200 and 304, and both count the rate limit", async () => {
  const { ask } = await setUp();
  await ask(chain); // cached
  for (const headers of [{}, { "If-None-Match": '"1"' }] as Record<string, string>[]) {
    const a = await ask(fast, headers);
    const b = await ask(chain, headers);
    deepStrictEqual(await shape(a), await shape(b), JSON.stringify(headers));
    strictEqual(
      Number(b.headers.get("ratelimit-remaining")),
      Number(a.headers.get("ratelimit-remaining")) - 1,
      "a 304 is counted like a 200",
    );
  }
});

test("HEAD has GET's headers, ETag included, and no body; 304 likewise", async () => {
  const { ask } = await setUp();
  for (const [name, app] of Object.entries(apps)) {
    const get = await shape(await ask(app));
    const head = await ask(app, {}, "HEAD");
    strictEqual(head.status, 200, name);
    strictEqual(await head.text(), "");
    deepStrictEqual((await shape(head)).headers, get.headers, name);
    strictEqual(head.headers.get("etag"), '"1"');
    strictEqual((await ask(app, { "If-None-Match": '"1"' }, "HEAD")).status, 304);
  }
});

test("a foreign or missing order is 404 whatever If-None-Match says", async () => {
  const { order } = await setUp();
  const other = await t.user("other");
  for (const [name, app] of Object.entries(apps)) {
    for (const id of [order.id, crypto.randomUUID()]) {
      const res = await app.request(`/orders/${id}`, {
        headers: { Authorization: `Bearer ${other.token}`, "If-None-Match": "*" },
      }, { remoteAddr: { hostname: uniqueIp() } });
      await expectProblem(res, 404);
      strictEqual(res.headers.get("etag"), null, name);
    }
  }
});
