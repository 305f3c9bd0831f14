// Cursor pages of GET /orders/user/{id}: no skips or repeats while orders are added, the index
// serves them, and a cursor that was tampered with, belongs to another list or comes with
// `page` is 422. Page numbers keep working as before, with a Link to the cursor pages.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { setRole } from "../../api/cli/make-admin.ts";
import { keysetQuery } from "../../api/orders/orders.list.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { tamperSignature } from "../helpers/config.ts";

const t = createTestApp();
addEventListener("unload", () => t.close());

/** The cursor in a response's Link: rel="next" header, or null. */
function nextFromLink(res: Response): string | null {
  const link = res.headers.get("link");
  if (!link) return null;
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  ok(match, `Link header: ${link}`);
  return new URL(match[1], "http://x").searchParams.get("cursor");
}

test("orders added while a client pages by cursor cause no skips and no repeats", async () => {
  const u = await t.user("pager");
  const created: string[] = [];
  for (let i = 0; i < 25; i++) created.push((await t.order(u.token)).id);
  const newestFirst = [...created].reverse();

  // The first page is an ordinary page-number page; its Link leads to the cursor pages.
  const first = await t.get(`/orders/user/${u.id}?page_size=10`, u.token);
  strictEqual(first.status, 200);
  const body = await first.json();
  strictEqual(body.total_items, 25, "page-number pages keep their totals");
  const seen: string[] = body.items.map((o: { id: string }) => o.id);
  let cursor = nextFromLink(first);
  while (cursor) {
    await t.order(u.token); // a new order between every two pages
    const res = await t.get(
      `/orders/user/${u.id}?page_size=10&cursor=${encodeURIComponent(cursor)}`,
      u.token,
    );
    strictEqual(res.status, 200);
    const page = await res.json();
    deepStrictEqual(Object.keys(page).sort(), ["items", "next_cursor", "page_size"]);
    seen.push(...page.items.map((o: { id: string }) => o.id));
    strictEqual(page.next_cursor, nextFromLink(res));
    cursor = page.next_cursor;
  }
  deepStrictEqual(seen, newestFirst, "every order once, newest first, none of the new ones");
});

test("a tampered, malformed or foreign cursor, or cursor with page, is 422", async () => {
  const u = await t.user("owner");
  for (let i = 0; i < 3; i++) await t.order(u.token);
  const res = await t.get(`/orders/user/${u.id}?page_size=2`, u.token);
  const cursor = nextFromLink(res)!;
  ok(cursor, "a full page links the next");
  const list = (query: string, token = u.token) => t.get(`/orders/user/${u.id}?${query}`, token);

  const [version, payload, signature] = cursor.split(".");
  const forged = btoa(
    JSON.stringify({ u: u.id, t: "2000-01-01 00:00:00+00", i: crypto.randomUUID() }),
  )
    .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  for (
    const bad of [
      `${version}.${forged}.${signature}`, // another position under the old signature
      tamperSignature(cursor),
      `${version}.${payload}`,
      "garbage",
    ]
  ) {
    const problem = await expectProblem(await list(`cursor=${encodeURIComponent(bad)}`), 422);
    strictEqual(problem.errors[0].path, "query.cursor");
  }
  await expectProblem(await list(`page=1&cursor=${encodeURIComponent(cursor)}`), 422);

  // An admin may list another user's orders, but not with a cursor issued for another list.
  const admin = await t.user("admin");
  ok(await setRole(t.deps.sql, admin.email, "admin"));
  const login = await t.form("/auth/token", { username: admin.email, password: admin.password });
  const adminToken = (await login.json()).access_token;
  const other = await t.user("other");
  for (let i = 0; i < 3; i++) await t.order(other.token);
  const foreign = nextFromLink(await t.get(`/orders/user/${other.id}?page_size=2`, other.token))!;
  await expectProblem(await list(`cursor=${encodeURIComponent(foreign)}`, adminToken), 422);
  strictEqual((await list(`cursor=${encodeURIComponent(cursor)}`, adminToken)).status, 200);
});

test("the cursor page is an index range scan that starts after the previous page", async () => {
  const plan = await t.deps.sql`explain (format json) ${
    keysetQuery(t.deps.sql, {
      creatorId: crypto.randomUUID(),
      after: { createdAt: "2026-12-04 12:00:00.123456+00", id: crypto.randomUUID() },
      pageSize: 10,
    })
  }`;
  const text = JSON.stringify(plan);
  ok(text.includes('"Index Name":"orders_creator_created_idx"'), text);
  ok(/"Index Cond":"\(\(creator_id = [^"]*\) AND \(ROW\(created_at, id\) < ROW\(/.test(text), text);
  ok(!text.includes('"Node Type":"Sort"'), `no sort: ${text}`);
});
