// A status change writes its order.status_changed outbox row in the same statement as the
// update (orders.repo.ts): keyed by order id, for order_events, with from, to, version,
// changed_at and the actor; a no-op PATCH and a refused move write none, and POST /orders
// still writes exactly its one new_order row.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { eventHeaders } from "../../common/events/event-type.ts";
import { ORDER_STATUS_CHANGED } from "../../common/events/order-status-changed.ts";
import { TOPICS } from "../../common/events/topics.ts";
import { createTestApp, test } from "../helpers/app.ts";

const t = createTestApp();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => t.close());

const eventsOf = (orderId: string) =>
  t.deps.sql<
    { event_id: string; topic: string; record_value: string; headers: Record<string, string> }[]
  >`select event_id, topic, record_value, headers from outbox where record_key = ${orderId}
    order by id`;

test("each status change writes one order.status_changed event; no-ops and 409s write none", async () => {
  const u = await t.user();
  const order = await t.order(u.token);
  const patch = (status: string) => t.json("PATCH", `/orders/${order.id}`, { status }, u.token);

  strictEqual((await patch("PAID")).status, 200);
  strictEqual((await patch("PAID")).status, 200); // the same status: a no-op
  strictEqual((await patch("PENDING")).status, 409); // not allowed
  const shipped = await patch("SHIPPED");
  strictEqual(shipped.status, 200);
  const final = await shipped.json();

  const events = await eventsOf(order.id);
  deepStrictEqual(events.map((e) => e.topic), [
    TOPICS.newOrder.name,
    TOPICS.orderEvents.name,
    TOPICS.orderEvents.name,
  ]);
  const [, paid, ship] = events;
  for (const event of [paid, ship]) {
    deepStrictEqual(event.headers, eventHeaders(ORDER_STATUS_CHANGED, event.event_id));
  }
  const values = [paid, ship].map((e) => JSON.parse(e.record_value));
  deepStrictEqual(values[0], {
    order_id: order.id,
    from: "PENDING",
    to: "PAID",
    version: 2,
    actor_id: u.id,
    changed_at: values[0].changed_at,
  });
  deepStrictEqual(values[1], {
    order_id: order.id,
    from: "PAID",
    to: "SHIPPED",
    version: 3,
    actor_id: u.id,
    changed_at: final.updated_at, // the same instant as the order's, in the same format
  });
  ORDER_STATUS_CHANGED.schema.parse(values[0]);
});
