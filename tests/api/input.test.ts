// Bad input gets the right 4xx problem+json, never a 5xx.
import { ok } from "node:assert/strict";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

const t = createTestApp({ MAX_BODY_BYTES: "2048" });

test("malformed JSON is 400", async () => {
  const u = await t.user();
  const res = await t.request("/orders", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${u.token}` },
    body: '{"items": {',
  });
  await expectProblem(res, 400);
});

test("a body that is not JSON is 415", async () => {
  const u = await t.user();
  for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
    const headers: Record<string, string> = { Authorization: `Bearer ${u.token}` };
    if (type) headers["Content-Type"] = type;
    await expectProblem(
      await t.request("/orders", { method: "POST", headers, body: "items=1" }),
      415,
    );
  }
});

test("an oversized body is 413", async () => {
  const u = await t.user();
  const big = { items: { blob: "x".repeat(4096) }, order_price: 1 };
  await expectProblem(await t.json("POST", "/orders", big, u.token), 413);
  await expectProblem(
    await t.json("POST", "/register", { email: "x".repeat(5000), password: "p" }),
    413,
  );
});

test("unknown fields, bad prices and bad items are 422 with field paths", async () => {
  const u = await t.user();
  const cases: [unknown, string][] = [
    [{ items: {}, order_price: 1, extra: true }, ""],
    [{ items: {}, order_price: -1 }, "body.order_price"],
    [{ items: {}, order_price: 1.234 }, "body.order_price"],
    [{ items: {}, order_price: "12" }, "body.order_price"],
    [{ items: [1, 2], order_price: 1 }, "body.items"],
    [{ items: "x", order_price: 1 }, "body.items"],
    [{ order_price: 1 }, "body.items"],
    [[], ""],
  ];
  for (const [body, path] of cases) {
    const problem = await expectProblem(await t.json("POST", "/orders", body, u.token), 422);
    ok(
      problem.errors.some((e: { path: string }) => e.path.startsWith(path)),
      JSON.stringify(problem.errors),
    );
  }
  const order = await t.order(u.token);
  await expectProblem(
    await t.json("PATCH", `/orders/${order.id}`, { status: "LOST" }, u.token),
    422,
  );
  await expectProblem(
    await t.json("PATCH", `/orders/${order.id}`, { status: "PAID", items: {} }, u.token),
    422,
  );
});

test("bad page values are 422", async () => {
  const u = await t.user();
  for (
    const query of [
      "page=0",
      "page=-1",
      "page=abc",
      "page_size=0",
      "page_size=101",
      "page_size=1.5",
    ]
  ) {
    await expectProblem(await t.get(`/orders/user/${u.id}?${query}`, u.token), 422);
  }
});

test("a malformed id is 422, an unknown route 404, neither a 5xx", async () => {
  const u = await t.user();
  for (const id of ["not-a-uuid", "1", "%27%20or%201=1"]) {
    await expectProblem(await t.get(`/orders/${id}`, u.token), 422);
    await expectProblem(await t.get(`/orders/user/${id}`, u.token), 422);
  }
  await expectProblem(await t.get("/nope", u.token), 404);
});
