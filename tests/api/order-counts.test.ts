// The list page's total_items is exact and costs the same for a user with 20,000 orders as
// for one with ten: it comes from order_counts (kept by triggers in the writing transaction),
// not from counting the user's orders on every request.
import { ok, strictEqual } from "node:assert/strict";
import postgres from "postgres";
import { listOrdersPage } from "../../api/orders/orders.list.ts";
import { testConfig, uniqueEmail } from "../helpers/config.ts";

const url = testConfig().db.url;

async function withUser<T>(fn: (sql: postgres.Sql, userId: string) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const userId = crypto.randomUUID();
  try {
    await sql`insert into users (id, email, password_hash)
      values (${userId}, ${uniqueEmail("counts")}, 'x')`;
    return await fn(sql, userId);
  } finally {
    await sql`delete from users where id = ${userId}`;
    await sql.end({ timeout: 5 });
  }
}

const addOrders = (sql: postgres.Sql, userId: string, n: number) =>
  sql`insert into orders (id, creator_id, items, order_price)
    select gen_random_uuid(), ${userId}, '{}'::jsonb, 1 from generate_series(1, ${n}::int)`;

/** Index entries of the orders-by-creator index read since PostgreSQL last reported. */
async function indexReads(sql: postgres.Sql): Promise<number> {
  await sql`select pg_stat_force_next_flush()`; // this session's counters, now
  const [{ n }] = await sql<{ n: string }[]>`
    select idx_tup_read::text as n from pg_stat_user_indexes
    where indexrelname = 'orders_creator_created_idx'`;
  return Number(n);
}

Deno.test("total_items is exact through inserts, concurrent inserts, deletes and pages past the end", async () => {
  await withUser(async (sql, userId) => {
    const page = async (n: number) =>
      (await listOrdersPage(sql, { creatorId: userId, page: n, pageSize: 10 })).body;
    strictEqual((await page(1)).total_items, 0);
    await addOrders(sql, userId, 25);
    // Concurrent single inserts from several connections, as the API's pool makes them.
    const pool = postgres(url, { max: 6, onnotice: () => {} });
    try {
      await Promise.all(Array.from({ length: 30 }, () => addOrders(pool, userId, 1)));
    } finally {
      await pool.end({ timeout: 5 });
    }
    const first = await page(1);
    strictEqual(first.total_items, 55);
    strictEqual(first.total_pages, 6);
    strictEqual(first.items.length, 10);
    await sql`delete from orders where id in (
      select id from orders where creator_id = ${userId} limit 7)`;
    const beyond = await page(9);
    strictEqual(beyond.total_items, 48, "deletes are counted");
    strictEqual(beyond.items.length, 0);
    const last = await page(5);
    strictEqual(last.items.length, 8);
    const [{ exact }] = await sql<{ exact: number }[]>`
      select count(*)::int as exact from orders where creator_id = ${userId}`;
    strictEqual(last.total_items, exact);
  });
});

Deno.test("a user with 20,000 orders: one page reads about one page of the index", async () => {
  await withUser(async (sql, userId) => {
    await addOrders(sql, userId, 20_000);
    // Current statistics, as autovacuum keeps them after 20,000 new rows: with stale ones the
    // planner may fetch the user's rows by bitmap and sort them, whatever counts the total.
    await sql`analyze orders`;
    const before = await indexReads(sql);
    const { body: result } = await listOrdersPage(sql, {
      creatorId: userId,
      page: 2,
      pageSize: 10,
    });
    const read = (await indexReads(sql)) - before;
    strictEqual(result.total_items, 20_000);
    strictEqual(result.items.length, 10);
    ok(read <= 100, `the list read ${read} index entries for a page of 10`);
  });
});

Deno.test("deleting a user removes their counts and does not fail on the cascade", async () => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const userId = crypto.randomUUID();
    await sql`insert into users (id, email, password_hash)
      values (${userId}, ${uniqueEmail("counts")}, 'x')`;
    await addOrders(sql, userId, 3);
    await sql`delete from users where id = ${userId}`;
    const [{ left }] = await sql<{ left: number }[]>`
      select count(*)::int as left from order_counts where creator_id = ${userId}`;
    strictEqual(left, 0);
  } finally {
    await sql.end({ timeout: 5 });
  }
});
