// The statements that create orders: the order and the CTEs that go with it (its outbox row,
// the idempotency record) in one statement, so they commit together or not at all. The event's
// value is the order's JSON written by PostgreSQL (ORDER_JSON_SQL, common/orders/order.ts).
// orders.repo.ts runs the one-order statement, and bench/run/pgbench-script.ts renders it for
// pgbench; orders.batch.ts runs the many-orders one.
import type postgres from "postgres";
import { ORDER_JSON_SQL } from "../../common/orders/order.ts";

type Value = postgres.ParameterOrFragment<never>;

export interface OrderInsertValues {
  id: Value;
  creatorId: Value;
  items: Value;
  orderPrice: Value;
  /** The request's deadline (request-deadline/scope.ts), or null. */
  deadline: Value;
}

/** `with o as (insert …), v as (id, value)<ctes> select * from o`: `ctes` (each starting with
 * a comma) read the new order from `v`. */
export function orderInsertStatement(
  sql: postgres.ISql,
  values: OrderInsertValues,
  ctes: postgres.Fragment,
): postgres.Fragment {
  return sql`
    with o as (
      insert into orders (id, creator_id, items, order_price)
      select ${values.id}, ${values.creatorId}, ${values.items}, ${values.orderPrice}
      -- Nothing once the request was answered 503 (the statement may have waited, already
      -- sent, behind another on a busy connection); the clocks are the API's and the server's.
      where ${values.deadline}::timestamptz is null
        or clock_timestamp() < ${values.deadline}::timestamptz
      returning *
    ), v as (
      select o.id, ${sql.unsafe(ORDER_JSON_SQL)} as value from o
    )${ctes}
    select * from o`;
}

/** One order of orderBatchInsertStatement, as a JSON object. */
export interface BatchedOrder {
  id: string;
  creator_id: string;
  items: Record<string, unknown>;
  order_price: number;
  /** The request's deadline (ISO), or null. */
  deadline: string | null;
  event_id: string;
  traceparent: string | null;
}

/** Many orders in one statement: `with input (the orders), o as (insert …), v as (id, value,
 * event_id, traceparent)<ctes> select * from o`. A row whose deadline has passed is not written. */
export function orderBatchInsertStatement(
  sql: postgres.ISql,
  orders: BatchedOrder[],
  ctes: postgres.Fragment,
): postgres.Fragment {
  return sql`
    with input as (
      select * from jsonb_to_recordset(${sql.json(orders as never)}::jsonb) as t(
        id uuid, creator_id uuid, items jsonb, order_price numeric(14, 2),
        deadline timestamptz, event_id uuid, traceparent text)
    ), o as (
      insert into orders (id, creator_id, items, order_price)
      select id, creator_id, items, order_price from input
      where deadline is null or clock_timestamp() < deadline
      returning *
    ), v as (
      select o.id, ${sql.unsafe(ORDER_JSON_SQL)} as value, input.event_id, input.traceparent
      from o join input on input.id = o.id
    )${ctes}
    select * from o`;
}
