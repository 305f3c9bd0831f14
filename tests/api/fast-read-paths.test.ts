// The fast read (api/hot-path/fast-read.ts) must answer every URL exactly as the app
// without it does, whether or not the order is cached: slashes, encoded slashes, case and
// query variants of GET /orders/{id} included.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { createApp } from "../../api/app.ts";
import { createTestApp, test } from "../helpers/app.ts";
import { uniqueIp } from "../helpers/config.ts";

// Values that differ between two requests by design.
const PER_REQUEST = new Set(["date", "ratelimit-remaining", "ratelimit-reset"]);

function variants(id: string): string[] {
  const upper = id.toUpperCase();
  return [
    `/orders/${id}`,
    `/orders/${id}/`,
    `/orders/${id}//`,
    `/orders/${id}///`,
    `//orders/${id}`,
    `/orders//${id}`,
    `/orders/${id}%2F`,
    `/orders/${id}%2f`,
    `/orders%2F${id}`,
    `/orders/%2F${id}`,
    `/orders/${id.replace("-", "%2D")}`,
    `/orders/${upper}`,
    `/Orders/${id}`,
    `/ORDERS/${id}`,
    `/orders/${id}?x=1`,
    `/orders/${id}/?x=1`,
    `/orders/${id}//?x=1`,
    `/orders/${id}?`,
    `/orders/${id}%3Fx=1`,
    `/orders/${id}/.`,
    `/orders/./${id}`,
    `/orders/${id}%20`,
  ];
}

test("the fast read answers every path variant exactly as the app, cached or not", async () => {
  const t = createTestApp();
  const fast = createApp(t.deps);
  const bare = createApp(t.deps, { fastRead: false });
  try {
    const u = await t.user();
    const order = await t.order(u.token);
    const key = `order:${order.id}`;
    const redis = t.deps.redis.client();
    const setCached = async (cached: boolean) => {
      if (cached) strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200);
      else await redis.del(key);
      strictEqual(await redis.exists(key), cached ? 1 : 0);
    };
    const ask = async (app: typeof fast, path: string) => {
      const request = new Request(`http://localhost${path}`, {
        headers: { Authorization: `Bearer ${u.token}`, "X-Request-Id": "same" },
      });
      const res = await app.request(request, undefined, { remoteAddr: { hostname: uniqueIp() } });
      const headers = [...res.headers].filter(([name]) => !PER_REQUEST.has(name)).sort();
      return { status: res.status, body: await res.text(), headers };
    };
    for (const path of variants(order.id)) {
      for (const cached of [true, false]) {
        await setCached(cached);
        const viaFast = await ask(fast, path);
        await setCached(cached);
        const viaApp = await ask(bare, path);
        deepStrictEqual(viaFast, viaApp, `${path} (${cached ? "cached" : "not cached"})`);
      }
    }
  } finally {
    await t.close();
  }
});
