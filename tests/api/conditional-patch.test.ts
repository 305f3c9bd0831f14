// PATCH /orders/{id} with If-Match (RFC 9110 §13.1.1): a stale, weak or malformed tag is 412
// with the current ETag, checked after 404 and before 409; `*` matches any existing order;
// without If-Match, PATCH is as before; of two racing PATCHes with one tag, exactly one wins.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

const t = createTestApp();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => t.close());

async function setUp() {
  const u = await t.user();
  const order = await t.order(u.token);
  const patch = (status: string, ifMatch?: string, token = u.token, id = order.id) =>
    t.json("PATCH", `/orders/${id}`, { status }, token, ifMatch ? { "If-Match": ifMatch } : {});
  const stored = async () =>
    (await t.deps.sql`select status, version from orders where id = ${order.id}`)[0];
  const events = async () =>
    (await t.deps.sql`select count(*)::int as n from outbox where record_key = ${order.id}`)[0].n;
  return { u, order, patch, stored, events };
}

test("without If-Match, PATCH is as before, and answers with the new ETag", async () => {
  const { patch } = await setUp();
  const res = await patch("PAID");
  strictEqual(res.status, 200);
  strictEqual(res.headers.get("etag"), '"2"');
  strictEqual((await res.json()).status, "PAID");
});

test("a current If-Match (or `*`) passes; a stale, weak or malformed one is 412 with the current ETag", async () => {
  const { patch, stored, events } = await setUp();
  for (const bad of ['"2"', 'W/"1"', "1", '"1', 'W/"1", "0"', "", "\u00e9"]) {
    const res = await patch("PAID", bad === "" ? " " : bad);
    const problem = await expectProblem(res, 412);
    strictEqual(res.headers.get("etag"), '"1"', JSON.stringify(bad));
    strictEqual(problem.etag, '"1"');
  }
  deepStrictEqual(await stored(), { status: "PENDING", version: 1 }, "nothing changed");
  strictEqual(await events(), 1, "no event for a refused change");
  const paid = await patch("PAID", '"0", "1"');
  strictEqual(paid.status, 200);
  strictEqual(paid.headers.get("etag"), '"2"');
  const shipped = await patch("SHIPPED", "*");
  strictEqual(shipped.status, 200);
  strictEqual(shipped.headers.get("etag"), '"3"');
});

test("a stale If-Match is 412 before the 409 of a disallowed move; a current one gets the 409", async () => {
  const { patch } = await setUp();
  strictEqual((await patch("CANCELED")).status, 200); // final, version 2
  await expectProblem(await patch("PAID", '"1"'), 412);
  const conflict = await expectProblem(await patch("PAID", '"2"'), 409);
  deepStrictEqual(conflict.allowed, []);
});

test("a foreign or missing order is 404 whatever the precondition", async () => {
  const { patch, order } = await setUp();
  const other = await t.user("other");
  for (const ifMatch of [undefined, "*", '"1"', '"9"', "junk"]) {
    await expectProblem(await patch("PAID", ifMatch, other.token), 404);
    await expectProblem(await patch("PAID", ifMatch, other.token, crypto.randomUUID()), 404);
  }
  strictEqual((await patch("PAID", '"1"', undefined, order.id)).status, 200);
});

test("a no-op PATCH keeps its ETag and writes no event", async () => {
  const { patch, events } = await setUp();
  strictEqual((await patch("PAID")).status, 200);
  const before = await events();
  for (const ifMatch of [undefined, '"2"']) {
    const res = await patch("PAID", ifMatch);
    strictEqual(res.status, 200);
    strictEqual(res.headers.get("etag"), '"2"');
  }
  strictEqual(await events(), before);
});

test("two clients race PATCHes with the same If-Match: exactly one wins, the other gets 412", async () => {
  for (let round = 0; round < 10; round++) {
    const { patch, stored, events } = await setUp();
    const [a, b] = await Promise.all([patch("PAID", '"1"'), patch("CANCELED", '"1"')]);
    const statuses = [a.status, b.status].sort();
    deepStrictEqual(statuses, [200, 412], `round ${round}`);
    const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
    const won = await winner.json();
    const lost = await expectProblem(loser, 412);
    strictEqual(lost.etag, '"2"', "the loser learns the winner's version");
    deepStrictEqual(await stored(), { status: won.status, version: 2 });
    strictEqual(await events(), 2, "one created, one changed");
  }
});
