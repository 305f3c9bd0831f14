// The hot path's Redis budget and the logout denylist it checks: a cached GET /orders/{id} is
// one EVALSHA (rate limit, denylist and cache read inside it), and a revoked session's
// access token answers 401 on every authenticated route.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createClient } from "@redis/client";
import { revokedSessionKey } from "../../api/auth/session-revocation.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { privateRedis } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

const sidOf = (token: string) =>
  JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sid;

test("a cached GET /orders/{id} makes exactly one Redis round trip", async () => {
  const redis = await privateRedis(); // nobody else's commands in the MONITOR stream
  const t = createTestApp({
    REDIS_URL: redis.url,
    SLOWAPI_RATELIMIT: "1000/minute",
    HOT_PATH_IN_PROCESS: "false", // the in-process path sends none: tests/api/in-process-read.test.ts
  });
  const monitor = createClient({ url: redis.url });
  const marker = createClient({ url: redis.url });
  try {
    await Promise.all([monitor.connect(), marker.connect()]);
    await waitFor(() => t.deps.redis.ping(), { what: "redis" });
    const u = await t.user();
    const order = await t.order(u.token);
    strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200); // cached now

    const seen: string[] = [];
    await monitor.monitor((line) => seen.push(String(line)));
    const res = await t.get(`/orders/${order.id}`, u.token);
    strictEqual(res.status, 200);
    deepStrictEqual(await res.json(), order);
    ok(res.headers.get("ratelimit-remaining"), "the rate limit was counted");
    // Everything the request sent is in the stream before this marker.
    const done = `done-${crypto.randomUUID()}`;
    await marker.echo(done);
    await waitFor(() => seen.some((line) => line.includes(done)), { what: "the marker" });

    const fromLua = (line: string) => /^\S+ \[\d+ lua\]/.test(line);
    // The process's own once-a-second check of the denylist (redis-repair.ts) is no request's.
    const background = (line: string) => /"exists" "revoked:complete"/i.test(line);
    const sent = seen.filter((line) => !fromLua(line) && !background(line) && !line.includes(done));
    strictEqual(sent.length, 1, `commands sent:\n${sent.join("\n")}`);
    ok(/"evalsha"/i.test(sent[0]), sent[0]);
    const inside = seen.filter(fromLua).join("\n");
    ok(/"incr" "rl:api:/i.test(inside), inside);
    ok(/"exists" "revoked:sid:/i.test(inside), inside);
    ok(/"get" "order:/i.test(inside), inside);

    // A restarted (or flushed) Redis no longer knows the script: EVAL sends it again.
    await marker.scriptFlush();
    const again = await t.get(`/orders/${order.id}`, u.token);
    strictEqual(again.status, 200);
    strictEqual(
      Number(again.headers.get("ratelimit-remaining")),
      Number(res.headers.get("ratelimit-remaining")) - 1,
      "counted in Redis, not in the process",
    );
  } finally {
    await Promise.allSettled([monitor.close(), marker.close()]);
    await t.close();
    await redis.stop();
  }
});

test("a revoked session's access token is refused with 401 invalid_token", async () => {
  const t = createTestApp();
  try {
    const u = await t.user();
    const order = await t.order(u.token);
    strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200); // cached too
    const other = await t.form("/auth/token", { username: u.email, password: u.password });
    const otherToken = (await other.json()).access_token as string;
    ok(sidOf(otherToken) !== sidOf(u.token));

    // What logout writes (security's side of the contract): the session id, until expiry.
    await t.deps.redis.client().set(revokedSessionKey(sidOf(u.token)), "1", { EX: 60 });
    for (const path of ["/auth/me", `/orders/${order.id}`, `/orders/user/${u.id}`]) {
      const res = await t.get(path, u.token);
      const body = await expectProblem(res, 401);
      ok(/revoked/.test(body.detail), body.detail);
      ok(/error="invalid_token"/.test(res.headers.get("www-authenticate") ?? ""), path);
    }
    strictEqual(
      (await t.json("POST", "/orders", { items: {}, order_price: 1 }, u.token)).status,
      401,
    );
    // The same user's other session is untouched.
    strictEqual((await t.get(`/orders/${order.id}`, otherToken)).status, 200);
    strictEqual((await t.get("/auth/me", otherToken)).status, 200);
  } finally {
    await t.close();
  }
});

test("after a real logout the session's access token is refused at once, elsewhere too", async () => {
  const t = createTestApp();
  try {
    const u = await t.user();
    const order = await t.order(u.token);
    strictEqual((await t.get(`/orders/${order.id}`, u.token)).status, 200); // cached
    const second = await t.form("/auth/token", { username: u.email, password: u.password });
    const secondToken = (await second.json()).access_token as string;
    const logout = await t.request("/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${u.token}` },
    });
    strictEqual(logout.status, 204);
    await expectProblem(await t.get(`/orders/${order.id}`, u.token), 401);
    await expectProblem(await t.get("/auth/me", u.token), 401);
    strictEqual((await t.get(`/orders/${order.id}`, secondToken)).status, 200);
  } finally {
    await t.close();
  }
});
