// A PATCH and a logout against a Redis hung for longer than the request deadline: they wait for
// Redis's acknowledgement only while the deadline allows, answer 200 and 204 within it (never a
// 503 for a committed change), and the change and the revocation hold once Redis answers again
// (docs/security.md, "Redis writes under partial failure").
import { ok, strictEqual } from "node:assert/strict";
import { test } from "../helpers/app.ts";
import { oneApi } from "../helpers/redis-writes.ts";
import { waitFor } from "../helpers/wait.ts";

const DEADLINE_MS = 2_000;
const BOUND_MS = 3_000; // docs/security.md

test("a PATCH and a logout during a Redis hang longer than the deadline answer within it", async () => {
  const { redis, http, me, stop } = await oneApi({ REQUEST_TIMEOUT_MS: String(DEADLINE_MS) });
  try {
    const u = await http.user("hung-writes");
    const leaving = await http.user("hung-logout");
    const order = await http.call("POST", "/orders", {
      token: u.token,
      json: { items: {}, order_price: 1 },
    });
    const path = `/orders/${order.data.id}`;
    strictEqual((await http.call("GET", path, { token: u.token })).data.status, "PENDING");

    redis.freeze();
    try {
      let started = performance.now();
      const patched = await http.call("PATCH", path, { token: u.token, json: { status: "PAID" } });
      const patchMs = performance.now() - started;
      strictEqual(patched.status, 200, patched.text);
      started = performance.now();
      const loggedOut = await http.call("POST", "/auth/logout", { token: leaving.token });
      const logoutMs = performance.now() - started;
      strictEqual(loggedOut.status, 204, loggedOut.text);
      ok(patchMs < DEADLINE_MS && logoutMs < DEADLINE_MS, `${patchMs} ms, ${logoutMs} ms`);
      // While Redis hangs, reads and checks come from PostgreSQL.
      strictEqual((await http.call("GET", path, { token: u.token })).data.status, "PAID");
      strictEqual(await me(leaving.token), 401);
    } finally {
      redis.thaw();
    }
    const thawedAt = performance.now();
    // Within the bound of Redis answering again, every instance's reads show the change and
    // the logged-out token is refused; and so it stays.
    const settled = async () =>
      (await http.call("GET", path, { token: u.token })).data.status === "PAID" &&
      await me(leaving.token) === 401;
    await waitFor(settled, { timeoutMs: BOUND_MS, what: "the change and the revocation in force" });
    ok(performance.now() - thawedAt <= BOUND_MS);
    for (let i = 0; i < 20; i++) ok(await settled(), `read ${i} after the bound`);
    strictEqual(await me(u.token), 200);
  } finally {
    await stop();
  }
});
