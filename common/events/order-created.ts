// The `order.created` event on `new_order`, defined once: the API's outbox relay publishes it
// and the Bun worker validates it. The value is the order as the API returns it
// (common/orders/order.ts), so the original service's consumers (which read id, items,
// creator_id, created_at) keep working.
import { z } from "zod";
import { Order } from "../orders/order.ts";
import { eventHeaders, type EventType } from "./event-type.ts";
import { decodeHeaders, EventHeaders } from "./headers.ts";
import { TOPICS } from "./topics.ts";

export const ORDER_TOPIC = TOPICS.newOrder.name;
export const ORDER_DLQ_TOPIC = TOPICS.newOrder.dlq;
export const ORDER_TOPIC_PARTITIONS = TOPICS.newOrder.partitions;

// tests/events import the status type from here.
export type { OrderStatus } from "../orders/status.ts";

export const OrderCreatedValue = Order;
export type OrderCreatedValue = Order;

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
