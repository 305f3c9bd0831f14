// The operational surface: readiness says only ok/degraded/down, /docs assets come from memory
// with an ETag, login refuses passwords bcrypt would truncate, old-cost hashes are redone.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { bcryptCost } from "../../api/auth/passwords.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

const t = createTestApp();

test("readiness tells the public its status and nothing else", async () => {
  const res = await t.get("/health/ready");
  strictEqual(res.status, 200);
  const body = await res.json();
  deepStrictEqual(Object.keys(body), ["status"]);
  ok(["ok", "degraded"].includes(body.status));
});

test("/docs assets carry caching headers and an ETag, and a matching one is 304", async () => {
  const path = "/docs/assets/swagger-ui-dist/swagger-ui-bundle.js";
  const first = await t.get(path);
  strictEqual(first.status, 200);
  const etag = first.headers.get("etag");
  ok(etag && /^"[0-9a-f]+"$/.test(etag), `etag ${etag}`);
  ok(first.headers.get("cache-control")?.includes("max-age="));
  ok((await first.arrayBuffer()).byteLength > 100_000);
  const again = await t.request(path, { headers: { "If-None-Match": etag } });
  strictEqual(again.status, 304);
  strictEqual(again.headers.get("etag"), etag);
  strictEqual((await again.arrayBuffer()).byteLength, 0);
  const css = await t.request("/docs/assets/swagger-ui-dist/swagger-ui.css", {
    headers: { "If-None-Match": etag },
  });
  strictEqual(css.status, 200, "another asset's ETag does not match");
  await css.body?.cancel();
});

test("login refuses a password over 72 bytes with 422, as registration does", async () => {
  const u = await t.user();
  const long = "é".repeat(40); // 40 characters, 80 bytes
  const problem = await expectProblem(
    await t.form("/auth/token", { username: u.email, password: long }),
    422,
  );
  deepStrictEqual(problem.errors.map((e: { path: string }) => e.path), ["body.password"]);
  await expectProblem(await t.json("POST", "/register", { email: u.email, password: long }), 422);
});

test("a hash made with an older cost is redone at the next successful login", async () => {
  const u = await t.user("rehash"); // BCRYPT_COST 4 in the test configuration
  const hashOf = async () =>
    (await t.deps.sql<{ password_hash: string }[]>`
      select password_hash from users where id = ${u.id}`)[0].password_hash;
  strictEqual(bcryptCost(await hashOf()), 4);
  const newer = createTestApp({ BCRYPT_COST: "5" });
  try {
    // A wrong password changes nothing.
    await expectProblem(await newer.form("/auth/token", { username: u.email, password: "x" }), 401);
    strictEqual(bcryptCost(await hashOf()), 4);
    const login = await newer.form("/auth/token", { username: u.email, password: u.password });
    strictEqual(login.status, 200);
    await login.body?.cancel();
    strictEqual(bcryptCost(await hashOf()), 5);
    const again = await newer.form("/auth/token", { username: u.email, password: u.password });
    strictEqual(again.status, 200, "the new hash verifies");
    await again.body?.cancel();
  } finally {
    await newer.close();
  }
});

test("responses carry the request id and the API security headers; the docs page the rest", async () => {
  const u = await t.user();
  const order = await t.order(u.token);
  for (const res of [await t.get(`/orders/${order.id}`, u.token), await t.get("/orders/x")]) {
    ok(/^[0-9a-f-]{36}$/.test(res.headers.get("x-request-id") ?? ""), "a generated request id");
    strictEqual(res.headers.get("x-content-type-options"), "nosniff");
    strictEqual(res.headers.get("x-frame-options"), "DENY");
    strictEqual(res.headers.get("cross-origin-resource-policy"), "same-origin");
    ok(res.headers.get("strict-transport-security")?.startsWith("max-age="));
    strictEqual(res.headers.get("referrer-policy"), null, "document-only headers stay off JSON");
    ok(res.headers.get("ratelimit-limit"), "the rate-limit headers too");
    await res.body?.cancel();
  }
  const given = await t.request("/health/live", { headers: { "X-Request-Id": "trace-42=" } });
  strictEqual(given.headers.get("x-request-id"), "trace-42=", "a safe caller id is kept");
  const forged = await t.request("/health/live", { headers: { "X-Request-Id": "a\tb" } });
  ok(/^[0-9a-f-]{36}$/.test(forged.headers.get("x-request-id") ?? ""), "an unsafe one is replaced");
  const docs = await t.get("/docs");
  ok(docs.headers.get("content-type")?.startsWith("text/html"));
  strictEqual(docs.headers.get("referrer-policy"), "no-referrer");
  strictEqual(docs.headers.get("cross-origin-opener-policy"), "same-origin");
  strictEqual(docs.headers.get("x-content-type-options"), "nosniff");
  await Promise.all([given, forged, docs].map((r) => r.body?.cancel()));
});
