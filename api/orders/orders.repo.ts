// Orders in PostgreSQL. Creating an order writes its outbox event in the same statement, so an
// order exists if and only if its `new_order` event will be published; a status change writes
// its `order.status_changed` event in the same statement as the update.
import type { Sql, Tx } from "../platform/db.ts";
import { ORDER_CREATED } from "../../common/events/order-created.ts";
import { ORDER_STATUS_CHANGED } from "../../common/events/order-status-changed.ts";
import { enqueue } from "../../common/events/enqueue.ts";
import { RequestAbandonedError, requestDeadline } from "../request-deadline/scope.ts";
import { uuidv7 } from "../lib/uuid.ts";
import type { VersionedOrder } from "./orders.cache.ts";
import { queueCacheRepair } from "./cache-repairs.ts";
import { isoUtcSql, type OrderRow, toOrder } from "../../common/orders/order.ts";
import { allowedMoves, canMove, type OrderStatus } from "../../common/orders/status.ts";
import { orderInsertStatement } from "./orders.insert.ts";
import { etagOf, ifMatchPasses } from "./orders.etag.ts";

export interface NewOrder {
  creatorId: string;
  items: Record<string, unknown>;
  orderPrice: number;
  /** The creating request's W3C trace context, stored with the outbox event. */
  traceparent?: string;
}

/** Stored with the order when the request carried an Idempotency-Key (orders.create.ts). */
export interface IdempotencyRecord {
  key: string;
  requestHash: string;
}

/**
 * One statement, one round trip and no explicit transaction: the order, its outbox row (and
 * the idempotency record) commit together or not at all (orders.insert.ts). The event's value
 * is toOrder()'s JSON written by PostgreSQL (tests/api/orders.test.ts compares them).
 */
export async function insertOrderWithEvent(
  sql: Sql | Tx,
  input: NewOrder,
  idempotency?: IdempotencyRecord,
): Promise<VersionedOrder> {
  // The first response, for retries with the same key: the same value as the event.
  const remember = idempotency
    ? sql`, idempotency as (
      insert into idempotency_keys (user_id, key, request_hash, response_status, response_body)
      select ${input.creatorId}, ${idempotency.key}, ${idempotency.requestHash}, 201, v.value
      from v
      on conflict (user_id, key) do update
        set request_hash = excluded.request_hash, response_status = 201,
            response_body = excluded.response_body, created_at = now()
    )`
    : sql``;
  const event = enqueue(sql, ORDER_CREATED, {
    key: sql`v.id::text`,
    value: sql`v.value::text`,
    from: sql`from v`,
    traceparent: input.traceparent,
  });
  const [row] = await sql<OrderRow[]>`${
    orderInsertStatement(sql, {
      id: uuidv7(),
      creatorId: input.creatorId,
      items: sql.json(input.items as never),
      orderPrice: input.orderPrice,
      deadline: requestDeadline(),
    }, sql`, event as (${event})${remember}`)
  }`;
  if (!row) throw new RequestAbandonedError(); // past the deadline: nothing was written
  return { order: toOrder(row), version: row.version };
}

export async function findOrder(sql: Sql, id: string): Promise<VersionedOrder | null> {
  const [row] = await sql<OrderRow[]>`select * from orders where id = ${id}`;
  return row ? { order: toOrder(row), version: row.version } : null;
}

export type StatusChange =
  | { kind: "not_found" }
  | { kind: "precondition_failed"; etag: string }
  | { kind: "conflict"; from: OrderStatus; allowed: readonly OrderStatus[] }
  | { kind: "ok"; entry: VersionedOrder; changed: false }
  | { kind: "ok"; entry: VersionedOrder; changed: true; repairId: string };

/**
 * Moves an order along the status machine; the row lock makes concurrent moves serialise, so of
 * two moves with the same If-Match only the first passes. The precondition is checked before
 * the move itself (a stale tag is 412 even when the move would be 409). A move writes its
 * order.status_changed event (actor: the owner) in the update's statement.
 */
export function changeStatus(
  sql: Sql,
  input: {
    id: string;
    ownerId: string;
    status: OrderStatus;
    /** The request's If-Match header (orders.etag.ts), if any. */
    ifMatch?: string;
    traceparent?: string;
  },
): Promise<StatusChange> {
  return sql.begin(async (tx): Promise<StatusChange> => {
    const [current] = await tx<OrderRow[]>`
      select * from orders where id = ${input.id} and creator_id = ${input.ownerId} for update`;
    if (!current) return { kind: "not_found" };
    const etag = etagOf(current.version);
    if (input.ifMatch !== undefined && !ifMatchPasses(input.ifMatch, etag)) {
      return { kind: "precondition_failed", etag };
    }
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
      with u as (
        update orders set status = ${input.status}, version = version + 1, updated_at = now()
        where id = ${input.id}
        returning *
      ), event as (${
      enqueue(tx, ORDER_STATUS_CHANGED, {
        key: tx`u.id::text`,
        value: tx`jsonb_build_object(
          'order_id', u.id, 'from', ${current.status}::text, 'to', u.status,
          'version', u.version, 'actor_id', ${input.ownerId}::uuid,
          'changed_at', ${tx.unsafe(isoUtcSql("u.updated_at"))}
        )::text`,
        from: tx`from u`,
        traceparent: input.traceparent,
      })
    })
      select * from u`;
    // Recorded with the change: its cache entry is repaired even if this process never
    // gets it to Redis (cache-repairs.ts).
    const repairId = await queueCacheRepair(tx, input.id);
    return {
      kind: "ok",
      entry: { order: toOrder(row), version: row.version },
      changed: true,
      repairId,
    };
  });
}
