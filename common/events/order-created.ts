// The `new_order` event contract, defined once: the API's outbox relay publishes with it and
// the Bun worker validates with it. The value is the order as the API returns it, so the
// original service's consumers (which read id, items, creator_id, created_at) keep working.
import { z } from "zod";

export const ORDER_TOPIC = "new_order";
export const ORDER_DLQ_TOPIC = "new_order.dlq";
export const ORDER_CREATED_TYPE = "order.created";
export const ORDER_CREATED_VERSION = "1";
export const ORDER_TOPIC_PARTITIONS = 3;

export const ORDER_STATUSES = ["PENDING", "PAID", "SHIPPED", "CANCELED"] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderCreatedValue = z.object({
  id: z.string().min(1),
  creator_id: z.string().min(1),
  items: z.record(z.string(), z.unknown()),
  order_price: z.number().nonnegative(),
  status: OrderStatus,
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
});
export type OrderCreatedValue = z.infer<typeof OrderCreatedValue>;

/** Kafka record headers of an order event; all values are strings on the wire. */
export const OrderCreatedHeaders = z.object({
  "event-id": z.uuid(),
  "event-type": z.literal(ORDER_CREATED_TYPE),
  "event-version": z.literal(ORDER_CREATED_VERSION),
  "content-type": z.literal("application/json"),
});
export type OrderCreatedHeaders = z.infer<typeof OrderCreatedHeaders>;

export function orderCreatedHeaders(eventId: string): OrderCreatedHeaders {
  return {
    "event-id": eventId,
    "event-type": ORDER_CREATED_TYPE,
    "event-version": ORDER_CREATED_VERSION,
    "content-type": "application/json",
  };
}

/**
 * Validates the headers of a received record. Kafka clients hand header values over as bytes
 * (Buffer/Uint8Array), strings, arrays of those for repeated keys, or undefined; the first
 * value of each key is decoded as UTF-8.
 */
export function parseOrderCreatedHeaders(raw: Record<string, unknown> | undefined) {
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") decoded[key] = first;
    else if (first instanceof Uint8Array) decoded[key] = new TextDecoder().decode(first);
  }
  return OrderCreatedHeaders.safeParse(decoded);
}
