// Hostile input gets a 4xx problem, never a 5xx: NUL bytes and unpaired surrogates anywhere,
// JSON nested past the documented depth, malformed forms, undeclared methods, trailing slashes.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { MAX_JSON_DEPTH } from "../../api/safe-input/rules.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { uniqueEmail } from "../helpers/config.ts";

const t = createTestApp();

const paths = (problem: { errors?: { path: string }[] }) =>
  (problem.errors ?? []).map((e) => e.path);

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

test("a NUL byte in a form field is 422 naming the field, not a database error", async () => {
  for (const field of ["username", "password"]) {
    const fields = { username: uniqueEmail(), password: "password-123" } as Record<string, string>;
    fields[field] += "\u0000";
    const problem = await expectProblem(await t.form("/auth/token", fields), 422);
    deepStrictEqual(paths(problem), [`body.${field}`]);
  }
});

test("NUL bytes and unpaired surrogates in JSON strings and keys are 422 with their paths", async () => {
  const u = await t.user();
  const cases: [string, string][] = [
    ['{"items": {"sku": "a\\u0000b"}, "order_price": 1}', "body.items.sku"],
    ['{"items": {"a\\u0000": 1}, "order_price": 1}', "body.items.a\u0000"],
    ['{"items": {"sku": ["ok", "\\ud800"]}, "order_price": 1}', "body.items.sku.1"],
    ['{"items": {"\\udc00x": 1}, "order_price": 1}', "body.items.\udc00x"],
  ];
  for (const [body, path] of cases) {
    const res = await t.request("/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${u.token}` },
      body,
    });
    const problem = await expectProblem(res, 422);
    deepStrictEqual(paths(problem), [path], body);
  }
  const email = `a\u0000${uniqueEmail()}`;
  const problem = await expectProblem(
    await t.json("POST", "/register", { email, password: "password-123" }),
    422,
  );
  deepStrictEqual(paths(problem), ["body.email"]);
});

test(`JSON nested up to ${MAX_JSON_DEPTH} levels is accepted, one more is 422`, async () => {
  const u = await t.user();
  // The body is level 1 and items level 2, so the value inside items may add 30 more.
  const deepest = { items: { sku: nested(MAX_JSON_DEPTH - 2) }, order_price: 1 };
  strictEqual((await t.json("POST", "/orders", deepest, u.token)).status, 201);
  const tooDeep = { items: { sku: nested(MAX_JSON_DEPTH - 1) }, order_price: 1 };
  const problem = await expectProblem(await t.json("POST", "/orders", tooDeep, u.token), 422);
  ok(problem.errors[0].message.includes(`${MAX_JSON_DEPTH} levels`), JSON.stringify(problem));
});

test("items nested 5,000 deep with an Idempotency-Key is 422, not a stack overflow", async () => {
  const u = await t.user();
  const body = `{"items": {"sku": ${"[".repeat(5000)}1${"]".repeat(5000)}}, "order_price": 1}`;
  const res = await t.request("/orders", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${u.token}`,
      "Idempotency-Key": crypto.randomUUID(),
    },
    body,
  });
  await expectProblem(res, 422);
});

test("a multipart form without a boundary is 400, not 500", async () => {
  const res = await t.request("/auth/token", {
    method: "POST",
    headers: { "Content-Type": "multipart/form-data" },
    body: "username=a&password=b",
  });
  await expectProblem(res, 400);
});

test("undeclared methods on known paths are 405 with Allow; OPTIONS lists them", async () => {
  const u = await t.user();
  const order = await t.order(u.token);
  const cases: [string, string, string][] = [
    ["PUT", "/orders", "POST, OPTIONS"],
    ["PUT", `/orders/${order.id}`, "GET, HEAD, PATCH, OPTIONS"],
    ["DELETE", `/orders/${order.id}`, "GET, HEAD, PATCH, OPTIONS"],
    ["GET", "/auth/token", "POST, OPTIONS"],
    ["POST", "/health/ready", "GET, HEAD, OPTIONS"],
    ["DELETE", `/orders/user/${u.id}`, "GET, HEAD, OPTIONS"],
    ["PATCH", "/register/", "POST, OPTIONS"],
  ];
  for (const [method, path, allow] of cases) {
    const res = await t.request(path, {
      method,
      headers: { Authorization: `Bearer ${u.token}` },
    });
    strictEqual(res.headers.get("allow"), allow, `${method} ${path}`);
    await expectProblem(res, 405);
  }
  const options = await t.request("/orders", { method: "OPTIONS" });
  strictEqual(options.status, 204);
  strictEqual(options.headers.get("allow"), "POST, OPTIONS");
  await expectProblem(await t.request("/nowhere", { method: "PUT" }), 404);
  // TRACE cannot be built with fetch's Request; tests/e2e/http.test.ts sends it over a socket.
});

test("every route answers the same with a trailing slash, authentication included", async () => {
  const u = await t.user();
  const created = await t.json("POST", "/orders/", { items: { a: 1 }, order_price: 2 }, u.token);
  strictEqual(created.status, 201);
  const order = await created.json();
  strictEqual((await t.get(`/orders/${order.id}/`, u.token)).status, 200);
  strictEqual((await t.get(`/orders/user/${u.id}/`, u.token)).status, 200);
  strictEqual(
    (await t.json("PATCH", `/orders/${order.id}/`, { status: "PAID" }, u.token)).status,
    200,
  );
  strictEqual((await t.get("/auth/me/", u.token)).status, 200);
  strictEqual((await t.get("/health/ready/")).status, 200);
  // The slash must not skip the bearer check.
  await expectProblem(await t.get("/auth/me/"), 401);
  await expectProblem(await t.json("POST", "/orders/", { items: {}, order_price: 1 }), 401);
  const login = await t.form("/auth/token/", { username: u.email, password: u.password });
  strictEqual(login.status, 200);
  await login.body?.cancel();
});
