// Orders in PostgreSQL. Creating an order writes its outbox event in the same transaction,
// so an order exists if and only if its `new_order` event will be published.
import type { Sql, Tx } from "../db.ts";
import {
  ORDER_TOPIC,
  orderCreatedHeaders,
  type OrderStatus,
} from "../../common/events/order-created.ts";
import { uuidv7 } from "../lib/uuid.ts";
import type { VersionedOrder } from "./orders.cache.ts";
import { allowedMoves, canMove, type OrderRow, toOrder } from "./orders.model.ts";

export async function insertOrderWithEvent(
  tx: Tx,
  input: {
    creatorId: string;
    items: Record<string, unknown>;
    orderPrice: number;
    traceparent?: string;
  },
): Promise<VersionedOrder> {
  const [row] = await tx<OrderRow[]>`
    insert into orders (id, creator_id, items, order_price)
    values (${uuidv7()}, ${input.creatorId}, ${tx.json(input.items as never)}, ${input.orderPrice})
    returning *`;
  const order = toOrder(row);
  const eventId = crypto.randomUUID();
  await tx`
    insert into outbox (event_id, topic, record_key, record_value, headers, traceparent)
    values (${eventId}, ${ORDER_TOPIC}, ${order.id}, ${JSON.stringify(order)},
            ${tx.json(orderCreatedHeaders(eventId))}, ${input.traceparent ?? null})`;
  return { order, version: row.version };
}

export async function findOrder(sql: Sql, id: string): Promise<VersionedOrder | null> {
  const [row] = await sql<OrderRow[]>`select * from orders where id = ${id}`;
  return row ? { order: toOrder(row), version: row.version } : null;
}

export type StatusChange =
  | { kind: "not_found" }
  | { kind: "conflict"; from: OrderStatus; allowed: readonly OrderStatus[] }
  | { kind: "ok"; entry: VersionedOrder; changed: boolean };

/** Moves an order along the status machine; the row lock makes concurrent moves serialise. */
export function changeStatus(
  sql: Sql,
  input: { id: string; ownerId: string; status: OrderStatus },
): Promise<StatusChange> {
  return sql.begin(async (tx): Promise<StatusChange> => {
    const [current] = await tx<OrderRow[]>`
      select * from orders where id = ${input.id} and creator_id = ${input.ownerId} for update`;
    if (!current) return { kind: "not_found" };
    if (current.status === input.status) {
      return {
        kind: "ok",
        entry: { order: toOrder(current), version: current.version },
        changed: false,
      };
    }
    if (!canMove(current.status, input.status)) {
      return { kind: "conflict", from: current.status, allowed: allowedMoves(current.status) };
    }
    const [row] = await tx<OrderRow[]>`
      update orders set status = ${input.status}, version = version + 1, updated_at = now()
      where id = ${input.id}
      returning *`;
    return { kind: "ok", entry: { order: toOrder(row), version: row.version }, changed: true };
  });
}

export async function listOrders(
  sql: Sql,
  input: { creatorId: string; page: number; pageSize: number },
) {
  const offset = (input.page - 1) * input.pageSize;
  const [rows, [{ total }]] = await Promise.all([
    sql<OrderRow[]>`
      select * from orders where creator_id = ${input.creatorId}
      order by created_at desc, id desc
      limit ${input.pageSize} offset ${offset}`,
    sql<{ total: number }[]>`
      select count(*)::int as total from orders where creator_id = ${input.creatorId}`,
  ]);
  return {
    items: rows.map(toOrder),
    page: input.page,
    page_size: input.pageSize,
    total_items: total,
    total_pages: Math.ceil(total / input.pageSize),
  };
}
