// The statement that creates an order: the order and the CTEs that go with it (its outbox row,
// the idempotency record) in one statement, so they commit together or not at all. The event's
// value is the order's JSON written by PostgreSQL (ORDER_JSON_SQL, common/orders/order.ts).
// orders.repo.ts runs it; bench/run/pgbench-script.ts renders the same statement for pgbench.
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
