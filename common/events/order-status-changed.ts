// The `order.status_changed` event on `order_events`: written in the transaction that changes
// the status (api/orders/orders.repo.ts), keyed by order id, so a consumer of `new_order` and
// `order_events` can follow every order's status without polling the API.
import { z } from "zod";
import type { EventType } from "./event-type.ts";
import { OrderStatus } from "../orders/status.ts";
import { TOPICS } from "./topics.ts";

export const OrderStatusChangedValue = z.object({
  order_id: z.uuid(),
  from: OrderStatus,
  to: OrderStatus,
  version: z.number().int().positive().meta({
    description: "The order's version after the change (the ETag of GET /orders/{id}); a " +
      "consumer keeps the highest it has seen.",
  }),
  changed_at: z.iso.datetime({ offset: true }),
  actor_id: z.uuid().meta({ description: "The user who changed the status." }),
});
export type OrderStatusChangedValue = z.infer<typeof OrderStatusChangedValue>;

export const ORDER_STATUS_CHANGED: EventType<"order.status_changed", OrderStatusChangedValue> = {
  type: "order.status_changed",
  version: "1",
  topic: TOPICS.orderEvents,
  summary: "An order's status changed (PATCH /orders/{id}); a no-op PATCH writes none.",
  key: "The order id: one order's events are on one partition, in order.",
  schema: OrderStatusChangedValue,
};
