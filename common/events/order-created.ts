// The `order.created` event on `new_order`, defined once: the API's outbox relay publishes it
// and the Bun worker validates it. The value is the order as the API returns it, so the
// original service's consumers (which read id, items, creator_id, created_at) keep working.
import { z } from "zod";
import { eventHeaders, type EventType } from "./event-type.ts";
import { decodeHeaders, EventHeaders } from "./headers.ts";
import { TOPICS } from "./topics.ts";

export const ORDER_TOPIC = TOPICS.newOrder.name;
export const ORDER_DLQ_TOPIC = TOPICS.newOrder.dlq;
export const ORDER_TOPIC_PARTITIONS = TOPICS.newOrder.partitions;

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

export const ORDER_CREATED: EventType<"order.created", OrderCreatedValue> = {
  type: "order.created",
  version: "1",
  topic: TOPICS.newOrder,
  summary: "An order was created. The value is the order as GET /orders/{id} returns it.",
  key: "The order id.",
  schema: OrderCreatedValue,
};
export const ORDER_CREATED_TYPE = ORDER_CREATED.type;
export const ORDER_CREATED_VERSION = ORDER_CREATED.version;

/** Kafka record headers of an order.created event. */
export const OrderCreatedHeaders = EventHeaders.extend({
  "event-type": z.literal(ORDER_CREATED_TYPE),
  "event-version": z.literal(ORDER_CREATED_VERSION),
});
export type OrderCreatedHeaders = z.infer<typeof OrderCreatedHeaders>;

export const orderCreatedHeaders = (eventId: string) =>
  eventHeaders(ORDER_CREATED, eventId) as OrderCreatedHeaders;

/** Validates the headers of a received order.created record (headers.ts decodes them). */
export function parseOrderCreatedHeaders(raw: Record<string, unknown> | undefined) {
  return OrderCreatedHeaders.safeParse(decodeHeaders(raw));
}
