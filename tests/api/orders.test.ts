// Orders in-process: create/get/patch/list, ownership, admin listing, the status machine.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { setRole } from "../../api/cli/make-admin.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

const t = createTestApp();
// The order's fields as docs/contract.md states them: "An **order** is `{id, creator_id, …}`".
const CONTRACT_ORDER_KEYS = /An \*\*order\*\* is `\{([^}]+)\}`/
  .exec(Deno.readTextFileSync(new URL("../../docs/contract.md", import.meta.url)))![1]
  .split(", ").sort();
const STATUSES = ["PENDING", "PAID", "SHIPPED", "CANCELED"] as const;
type Status = typeof STATUSES[number];
const ALLOWED: Record<Status, Status[]> = {
  PENDING: ["PAID", "CANCELED"],
  PAID: ["SHIPPED", "CANCELED"],
  SHIPPED: [],
  CANCELED: [],
};
// How to reach each status from PENDING with allowed moves.
const PATH_TO: Record<Status, Status[]> = {
  PENDING: [],
  PAID: ["PAID"],
  SHIPPED: ["PAID", "SHIPPED"],
  CANCELED: ["CANCELED"],
};

test("create answers 201 with Location and the order; get returns it", async () => {
  const u = await t.user();
  const res = await t.json("POST", "/orders", {
    items: { sku: 2, note: "gift" },
    order_price: 19.99,
  }, u.token);
  strictEqual(res.status, 201);
  const order = await res.json();
  strictEqual(res.headers.get("location"), `/orders/${order.id}`);
  deepStrictEqual(Object.keys(order).sort(), CONTRACT_ORDER_KEYS);
  strictEqual(order.creator_id, u.id);
  strictEqual(order.status, "PENDING");
  strictEqual(order.order_price, 19.99);
  deepStrictEqual(order.items, { sku: 2, note: "gift" });
  ok(order.created_at.endsWith("Z"));
  const got = await t.get(`/orders/${order.id}`, u.token);
  strictEqual(got.status, 200);
  deepStrictEqual(await got.json(), order);
});

test("money is stored exactly", async () => {
  const u = await t.user();
  for (const price of [0, 0.1, 0.3, 19.99, 123456789.01]) {
    const order = await t.order(u.token, { items: {}, order_price: price });
    strictEqual(order.order_price, price);
    const [row] = await t.deps
      .sql`select order_price::text as p from orders where id = ${order.id}`;
    strictEqual(row.p, price.toFixed(2));
  }
});

test("every pair of the status machine", async () => {
  const u = await t.user();
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const order = await t.order(u.token);
      for (const step of PATH_TO[from]) {
        strictEqual(
          (await t.json("PATCH", `/orders/${order.id}`, { status: step }, u.token)).status,
          200,
        );
      }
      const res = await t.json("PATCH", `/orders/${order.id}`, { status: to }, u.token);
      if (from === to || ALLOWED[from].includes(to)) {
        strictEqual(res.status, 200, `${from}→${to}`);
        strictEqual((await res.json()).status, to);
      } else {
        const problem = await expectProblem(res, 409);
        deepStrictEqual(problem.allowed, ALLOWED[from], `${from}→${to}`);
      }
    }
  }
});

test("another user's order is 404 on GET and PATCH and stays unchanged", async () => {
  const owner = await t.user("owner");
  const other = await t.user("other");
  const order = await t.order(owner.token);
  await expectProblem(await t.get(`/orders/${order.id}`, other.token), 404);
  await expectProblem(
    await t.json("PATCH", `/orders/${order.id}`, { status: "CANCELED" }, other.token),
    404,
  );
  strictEqual((await (await t.get(`/orders/${order.id}`, owner.token)).json()).status, "PENDING");
  await expectProblem(await t.get(`/orders/${crypto.randomUUID()}`, owner.token), 404);
});

test("listing: own orders newest first with pages; someone else's is 403; admin may", async () => {
  const u = await t.user();
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await t.order(u.token, { items: { i }, order_price: i })).id);
  }
  const page1 = await (await t.get(`/orders/user/${u.id}?page=1&page_size=2`, u.token)).json();
  deepStrictEqual(page1.items.map((o: { id: string }) => o.id), [ids[4], ids[3]]);
  deepStrictEqual([page1.page, page1.page_size, page1.total_items, page1.total_pages], [
    1,
    2,
    5,
    3,
  ]);
  const page3 = await (await t.get(`/orders/user/${u.id}?page=3&page_size=2`, u.token)).json();
  deepStrictEqual(page3.items.map((o: { id: string }) => o.id), [ids[0]]);
  const beyond = await (await t.get(`/orders/user/${u.id}?page=9`, u.token)).json();
  deepStrictEqual(beyond.items, []);
  const defaults = await (await t.get(`/orders/user/${u.id}`, u.token)).json();
  deepStrictEqual([defaults.page, defaults.page_size, defaults.items.length], [1, 10, 5]);

  const other = await t.user("other");
  await expectProblem(await t.get(`/orders/user/${u.id}`, other.token), 403);

  const admin = await t.user("admin");
  ok(await setRole(t.deps.sql, admin.email, "admin"));
  const relogin =
    await (await t.form("/auth/token", { username: admin.email, password: admin.password })).json();
  const asAdmin = await t.get(`/orders/user/${u.id}`, relogin.access_token);
  strictEqual(asAdmin.status, 200);
  strictEqual((await asAdmin.json()).total_items, 5);
  strictEqual((await (await t.get("/auth/me", relogin.access_token)).json()).role, "admin");
});

test("a client cannot set status, creator_id or id on create", async () => {
  const u = await t.user();
  for (
    const extra of [{ status: "SHIPPED" }, { creator_id: crypto.randomUUID() }, {
      id: crypto.randomUUID(),
    }]
  ) {
    const problem = await expectProblem(
      await t.json("POST", "/orders", { items: {}, order_price: 1, ...extra }, u.token),
      422,
    );
    ok(problem.errors.length > 0);
  }
});
