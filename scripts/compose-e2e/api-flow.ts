// The compose e2e's walk through the public API on the published port (scripts/compose-e2e.sh):
// register, token, POST /orders, GET, PATCH, the user's list, /docs and /openapi.json, each with
// the status the spec names. Prints one JSON line: {failures, requests, userId, token, orderIds}.
// Usage: deno run --allow-net scripts/compose-e2e/api-flow.ts http://127.0.0.1:PORT
import { client } from "../../tests/helpers/http.ts";

const base = Deno.args[0];
const { call, user } = client(base);
const failures: string[] = [];
let requests = 0;
function expect(step: string, status: number, expected: number) {
  requests++;
  if (status !== expected) failures.push(`${step}: ${status}, expected ${expected}`);
}

const owner = await user("compose-e2e"); // register 201 and token 200, or it throws
requests += 2;
const orderIds: string[] = [];
for (const price of [10.5, 20]) {
  const created = await call("POST", "/orders", {
    token: owner.token,
    json: { items: { sku: "e2e", qty: 1 }, order_price: price },
  });
  expect("POST /orders", created.status, 201);
  if (created.status === 201) orderIds.push(created.data.id);
}
const [first] = orderIds;
const read = await call("GET", `/orders/${first}`, { token: owner.token });
expect("GET /orders/{id}", read.status, 200);
if (read.data?.order_price !== 10.5) failures.push(`GET: order_price ${read.data?.order_price}`);
const paid = await call("PATCH", `/orders/${first}`, {
  token: owner.token,
  json: { status: "PAID" },
});
expect("PATCH /orders/{id}", paid.status, 200);
if (paid.data?.status !== "PAID") failures.push(`PATCH: status ${paid.data?.status}`);
const list = await call("GET", `/orders/user/${owner.id}?page=1&page_size=10`, {
  token: owner.token,
});
expect("GET /orders/user/{id}", list.status, 200);
if (list.data?.total_items !== orderIds.length) {
  failures.push(`list: ${list.data?.total_items} items, expected ${orderIds.length}`);
}
const docs = await call("GET", "/docs");
expect("GET /docs", docs.status, 200);
const openapi = await call("GET", "/openapi.json");
expect("GET /openapi.json", openapi.status, 200);
if (!String(openapi.data?.openapi).startsWith("3.")) failures.push("openapi.json: no version");

console.log(JSON.stringify({ failures, requests, userId: owner.id, token: owner.token, orderIds }));
