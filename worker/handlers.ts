// The worker's handler per event type of the registry (common/events/registry.ts). The map is
// keyed by every registered type, so a new event type does not type-check until it has one.
// The effect of every event is its row in processed_events (worker/handle.ts, written once per
// event id); a handler says what the event is about and what the downstream work is.
import type { z } from "zod";
import type { EventName, RegisteredEvent } from "../common/events/registry.ts";

type ValueOf<Name extends EventName> = z.infer<Extract<RegisteredEvent, { type: Name }>["schema"]>;

export interface EventHandler<Value> {
  /** The order the event is about, recorded with it in processed_events. */
  orderId(value: Value): string;
  /** What the downstream work would be; the work itself is simulated (WORKER_SIMULATED_WORK_MS). */
  work: string;
}

export const HANDLERS: { [Name in EventName]: EventHandler<ValueOf<Name>> } = {
  "order.created": {
    orderId: (order) => order.id,
    work: "fulfil the new order",
  },
  "order.status_changed": {
    orderId: (change) => change.order_id,
    work: "follow the order's status (shipping, billing, notifications)",
  },
};

/** The order id of a validated event, from its type's handler. */
export function orderIdOf(event: RegisteredEvent, value: unknown): string {
  return (HANDLERS[event.type] as EventHandler<unknown>).orderId(value);
}
