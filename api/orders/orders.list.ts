// GET /orders/user/{id}: a user's orders newest first (created_at desc, id desc, the order of
// orders_creator_created_idx), by page number (the original's OFFSET pages, with totals) or
// after a cursor (keyset pages: no rows read and discarded, no skips or repeats when orders
// are added while a client pages). Both queries live here.
import type { Sql } from "../platform/db.ts";
import type { CursorPosition } from "./orders.cursor.ts";
import { type OrderRow, toOrder } from "./orders.model.ts";

type ListedRow = OrderRow & { position: string };

/** Where the last row of a page stands, for the next page's cursor. */
function lastPosition(rows: ListedRow[]): CursorPosition | null {
  const last = rows.at(-1);
  return last ? { createdAt: last.position, id: last.id } : null;
}

/**
 * One page by number, and the total, in one statement. The total is the sum of the user's
 * order_counts rows (kept by triggers, db/migrations/20261204120000_order_counts.sql), so a
 * user with many orders costs no more than one with ten; the left join keeps the total when
 * the page is past the end.
 */
export async function listOrdersPage(
  sql: Sql,
  input: { creatorId: string; page: number; pageSize: number },
) {
  const offset = (input.page - 1) * input.pageSize;
  const rows = await sql<(ListedRow & { total: number })[]>`
    select t.total, p.*, p.created_at::text as position from (
      select coalesce(sum(n), 0)::int as total from order_counts
      where creator_id = ${input.creatorId}
    ) t left join lateral (
      select * from orders where creator_id = ${input.creatorId}
      order by created_at desc, id desc
      limit ${input.pageSize} offset ${offset}
    ) p on true
    order by p.created_at desc, p.id desc`;
  const total = rows[0]?.total ?? 0;
  const listed = rows[0]?.id ? rows : [];
  return {
    body: {
      items: listed.map(toOrder),
      page: input.page,
      page_size: input.pageSize,
      total_items: total,
      total_pages: Math.ceil(total / input.pageSize),
    },
    // A full page may have a next one; a short one is the end.
    next: listed.length === input.pageSize ? lastPosition(listed) : null,
  };
}

type KeysetInput = { creatorId: string; after: CursorPosition | null; pageSize: number };

/** The keyset statement, unsent (tests EXPLAIN it): the index scan starts after `after`. */
export function keysetQuery(sql: Sql, { creatorId, after, pageSize }: KeysetInput) {
  // A row comparison on the index's columns: the scan starts right after the previous page.
  const afterClause = after
    ? sql`and (created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
    : sql``;
  return sql<ListedRow[]>`
    select *, created_at::text as position from orders
    where creator_id = ${creatorId} ${afterClause}
    order by created_at desc, id desc
    limit ${pageSize}`;
}

/** The page after `after` (or the first), read from the index where the previous one ended. */
export async function listOrdersAfter(sql: Sql, input: KeysetInput) {
  const rows = await keysetQuery(sql, input);
  return {
    items: rows.map(toOrder),
    next: rows.length === input.pageSize ? lastPosition(rows) : null,
  };
}
