// The fast read (api/hot-path/fast-read.ts) answers a cached GET /orders/{id} outside the
// middleware chain. What it answers must be what the chain answers, and what it hands over must
// be counted once and answered by the app as before.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { setRole } from "../../api/cli/make-admin.ts";
import { createApp } from "../../api/app.ts";
import { apiMetrics } from "../../api/metrics/metrics.ts";
import { createFinishResponse, type RoundTrip, withFastRead } from "../../api/hot-path/index.ts";
import { cachedOrderRead } from "../../api/orders/index.ts";
import { requestRoundTrip } from "../../api/app.ts";
import type { Log } from "../../common/logger.ts";
import { createTestApp, expectProblem, test, type TestApp } from "../helpers/app.ts";
import { tamperSignature, uniqueIp } from "../helpers/config.ts";
import { waitFor } from "../helpers/wait.ts";
import { REVOCATIONS_COMPLETE_KEY } from "../../api/auth/session-revocation.ts";

/** The current value of a counter's series with these labels (0 before its first count). */
async function counted(
  metric: { get(): Promise<{ values: { labels: object; value: number }[] }> },
  labels: Record<string, string>,
) {
  const { values } = await metric.get();
  const matches = (series: object) =>
    Object.entries(labels).every(([k, v]) => String((series as Record<string, unknown>)[k]) === v);
  return values.find((series) => matches(series.labels))?.value ?? 0;
}
const cacheHits = () => counted(apiMetrics.orderCacheRequests, { result: "hit" });
const served = () =>
  counted(apiMetrics.httpRequests, { method: "GET", route: "/orders/:order_id", status: "200" });

/**
 * The fast read answers only once Redis is known to hold every revocation: on a Redis that
 * started empty that is after the app's first repair pass (api/redis-repair.ts), which runs
 * once the client is connected. Before it, every read is handed over (tested below).
 */
const denylistComplete = (t: TestApp) =>
  waitFor(async () => await t.deps.redis.client().exists(REVOCATIONS_COMPLETE_KEY) === 1, {
    what: "revoked:complete in Redis",
  });

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

test("requests the fast read hands over are counted once and answered by the app", async () => {
  const t = createTestApp();
  try {
    const [owner, stranger, admin] = await Promise.all([t.user("o"), t.user("s"), t.user("a")]);
    ok(await setRole(t.deps.sql, admin.email, "admin"));
    // A new login carries the new role.
    const adminLogin = await t.form("/auth/token", {
      username: admin.email,
      password: admin.password,
    });
    const adminToken = (await adminLogin.json()).access_token as string;
    const order = await t.order(owner.token);
    const path = `/orders/${order.id}`;

    let remaining: number | null = null;
    const expectCountedOnce = (res: Response) => {
      const now = Number(res.headers.get("ratelimit-remaining"));
      ok(Number.isInteger(now), "rate-limit headers on every answer");
      if (remaining !== null) strictEqual(now, remaining - 1, `${res.status}: counted once`);
      remaining = now;
    };

    await t.deps.redis.client().del(`order:${order.id}`);
    const miss = await t.get(path, owner.token); // from PostgreSQL, then cached
    strictEqual(miss.status, 200);
    deepStrictEqual(await miss.json(), order);
    expectCountedOnce(miss);
    const hit = await t.get(path, owner.token);
    deepStrictEqual(await hit.json(), order);
    expectCountedOnce(hit);
    const hitsBefore = await cacheHits();
    const foreign = await t.get(path, stranger.token);
    await expectProblem(foreign, 404); // another user's order looks like none
    expectCountedOnce(foreign);
    strictEqual(await cacheHits(), hitsBefore + 1, "one cache read counted");
    // Routes are case-sensitive: no order lives under /Orders/.
    const capital = await t.get(`/Orders/${order.id}`, owner.token);
    await expectProblem(capital, 404);
    expectCountedOnce(capital);
    const byAdmin = await t.get(path, adminToken);
    deepStrictEqual(await byAdmin.json(), order);
    expectCountedOnce(byAdmin);
    const noToken = await t.get(path);
    await expectProblem(noToken, 401);
    expectCountedOnce(noToken);
    const badToken = await t.get(path, tamperSignature(owner.token));
    await expectProblem(badToken, 401);
    expectCountedOnce(badToken);
    const unknown = await t.get(`/orders/${crypto.randomUUID()}`, owner.token);
    await expectProblem(unknown, 404);
    expectCountedOnce(unknown);
    const head = await t.request(path, {
      method: "HEAD",
      headers: { Authorization: `Bearer ${owner.token}` },
    });
    strictEqual(head.status, 200);
    expectCountedOnce(head);
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

test("the fast read answers a cached own order itself and hands a foreign one over", async () => {
  const t = createTestApp();
  try {
    const [owner, stranger] = await Promise.all([t.user("o"), t.user("s")]);
    const order = await t.order(owner.token);
    strictEqual((await t.get(`/orders/${order.id}`, owner.token)).status, 200); // cached
    await denylistComplete(t);
    // The bare app, as createApp wraps it: a hand-over must not meet a second fast read.
    const bare = createApp(t.deps, { fastRead: false });
    const handedOver: (RoundTrip | undefined)[] = [];
    let roundTrips = 0;
    const roundTrip = requestRoundTrip(t.deps);
    const fetch = withFastRead((request, env) => {
      handedOver.push(env?.handOver?.roundTrip ?? undefined);
      return bare.fetch(request, env);
    }, {
      read: cachedOrderRead,
      tokens: t.deps.tokens,
      roundTrip: { perform: (...args) => (roundTrips++, roundTrip.perform(...args)) },
      finish: createFinishResponse({ record: null, access: () => {}, log: () => {} }),
      log: () => {},
      getPath: bare.getPath,
      enabled: true,
    });
    const ip = uniqueIp();
    const ask = (token: string) =>
      fetch(
        new Request(`http://localhost/orders/${order.id}`, {
          headers: { Authorization: `Bearer ${token}` },
        }),
        { remoteAddr: { hostname: ip } },
      );
    const hitsBefore = await cacheHits();
    const own = await ask(owner.token);
    deepStrictEqual(await own.json(), order);
    strictEqual(handedOver.length, 0, "answered without the app");
    strictEqual(roundTrips, 1);
    strictEqual(await cacheHits(), hitsBefore + 1);
    const remaining = Number(own.headers.get("ratelimit-remaining"));

    const foreign = await ask(stranger.token);
    await expectProblem(foreign, 404);
    strictEqual(handedOver.length, 1);
    ok(handedOver[0]?.prefetched.cache?.raw, "with the round trip it made");
    strictEqual(roundTrips, 2, "one round trip per request");
    strictEqual(await cacheHits(), hitsBefore + 2, "the foreign read counted once");
    strictEqual(
      Number(foreign.headers.get("ratelimit-remaining")),
      remaining - 1,
      "the hand-over counted once against the limit",
    );
  } finally {
    await t.close();
  }
});
