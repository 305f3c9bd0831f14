// What the fast read (api/hot-path/fast-read.ts) does not answer itself it hands to the app,
// with the round trip it already made: counted once against the limit, answered as the app
// answers it (tests/api/fast-read.test.ts checks what it answers).
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { setRole } from "../../api/cli/make-admin.ts";
import { createApp } from "../../api/app.ts";
import { createFinishResponse, type RoundTrip, withFastRead } from "../../api/hot-path/index.ts";
import { cachedOrderRead } from "../../api/orders/index.ts";
import { requestRoundTrip } from "../../api/app.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { tamperSignature, uniqueIp } from "../helpers/config.ts";
import { cacheHits, denylistComplete } from "../helpers/fast-read.ts";

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
