// The order's JSON, declared once: the API's answer, the cache entry (both JSON.stringify of
// toOrder()) and the order.created event's value (written by PostgreSQL in the statement that
// inserts the order, api/orders/orders.insert.ts) all come from ORDER_FIELDS. Each field names
// its schema, how toOrder() maps the row's column, and the SQL that writes the same value from
// an `orders` row aliased `o`. A new field is one line here (plus its column), added last so
// that the JSON only grows, and `.optional()` while order.created events written before it may
// still reach a worker, which validates them with this schema.
import { z } from "zod";
import { OrderStatus } from "./status.ts";

interface Field<Column, Json> {
  schema: z.ZodType<Json>;
  /** The column's value as postgres.js returns it, to the JSON value. */
  fromRow: (column: Column) => Json;
  /** The same JSON value written by PostgreSQL from the row `o`. */
  sql: string;
}

const field = <Column, Json>(f: Field<Column, Json>) => f;
const same = <T>(column: T) => column;
/** SQL writing a timestamptz as Date.toISOString() does: UTC, milliseconds, a `Z`. The colons
 * are quoted so that pgbench, which runs this SQL too (bench/run/pgbench-script.ts), reads no
 * variable in it. */
export const isoUtcSql = (expression: string) =>
  `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS.MS"Z"')`;

/** In the order JSON.stringify writes them: `id` then `creator_id` first (orders.cache.ts reads
 * the owner there). */
export const ORDER_FIELDS = {
  id: field({ schema: z.string().min(1), fromRow: same<string>, sql: "o.id" }),
  creator_id: field({ schema: z.string().min(1), fromRow: same<string>, sql: "o.creator_id" }),
  items: field({
    schema: z.record(z.string(), z.unknown()),
    fromRow: same<Record<string, unknown>>,
    sql: "o.items",
  }),
  order_price: field({
    schema: z.number().nonnegative(),
    // NUMERIC(14,2) arrives as an exact decimal string; 2 decimals fit a double exactly enough
    // to print back the same digits.
    fromRow: (column: string) => Number(column),
    sql: "o.order_price",
  }),
  status: field({ schema: OrderStatus, fromRow: same<OrderStatus>, sql: "o.status" }),
  created_at: field({
    schema: z.iso.datetime({ offset: true }),
    fromRow: (column: Date) => column.toISOString(),
    sql: isoUtcSql("o.created_at"),
  }),
  updated_at: field({
    schema: z.iso.datetime({ offset: true }),
    fromRow: (column: Date) => column.toISOString(),
    sql: isoUtcSql("o.updated_at"),
  }),
};

type Fields = typeof ORDER_FIELDS;
type Key = keyof Fields;
export const ORDER_KEYS = Object.keys(ORDER_FIELDS) as Key[];

/** The order's JSON schema (the API's `Order`, order.created's value). */
export const Order = z.object(
  Object.fromEntries(ORDER_KEYS.map((key) => [key, ORDER_FIELDS[key].schema])) as {
    [K in Key]: Fields[K]["schema"];
  },
);
export type Order = z.infer<typeof Order>;

/** A row of `orders` as postgres.js returns it. */
export type OrderRow = { [K in Key]: Parameters<Fields[K]["fromRow"]>[0] } & { version: number };

// Looked up once: toOrder() runs for every order read from PostgreSQL.
const FROM_ROW = ORDER_KEYS.map((key) => ORDER_FIELDS[key].fromRow as (column: unknown) => unknown);

export function toOrder(row: OrderRow): Order {
  const order: Record<string, unknown> = {};
  for (let i = 0; i < ORDER_KEYS.length; i++) {
    order[ORDER_KEYS[i]] = FROM_ROW[i](row[ORDER_KEYS[i]]);
  }
  return order as Order;
}

/** SQL for toOrder(o) as jsonb, over an `orders` row aliased `o`. A constant: nothing of a
 * request is in it. */
export const ORDER_JSON_SQL = `jsonb_build_object(${
  ORDER_KEYS.map((key) => `'${key}', ${ORDER_FIELDS[key].sql}`).join(", ")
})`;
