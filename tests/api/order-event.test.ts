// POST /orders writes the order and its outbox event in one statement (orders.repo.ts): the
// event value PostgreSQL builds is the order exactly as the API answers, and the NOTIFY that
// wakes the relay comes once per statement, not once per row.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ORDER_TOPIC, orderCreatedHeaders } from "../../common/events/order-created.ts";
import { createTestApp, test } from "../helpers/app.ts";
import { waitFor } from "../helpers/wait.ts";

const t = createTestApp();

async function eventsOf(orderId: string) {
  return await t.deps.sql<
    { event_id: string; topic: string; record_value: string; headers: Record<string, string> }[]
  >`select event_id, topic, record_value, headers from outbox where record_key = ${orderId}`;
}

test("each created order has one outbox event whose value is the API's answer", async () => {
  const u = await t.user();
  const bodies = [
    { items: { sku: 2, note: "gift" }, order_price: 19.99 },
    { items: {}, order_price: 0 },
    { items: { "clé ü": { qty: 3, tags: ["a", "b"], gift: null } }, order_price: 123456789.01 },
    { items: { z: 1, a: 2.5, m: true }, order_price: 0.1 },
  ];
  for (const [i, body] of bodies.entries()) {
    const key = i % 2 ? { "Idempotency-Key": `event-test-${i}` } : {};
    const res = await t.json("POST", "/orders", body, u.token, key);
    strictEqual(res.status, 201);
    const order = await res.json();
    const events = await eventsOf(order.id);
    strictEqual(events.length, 1, "exactly one event per order");
    const [event] = events;
    strictEqual(event.topic, ORDER_TOPIC);
    deepStrictEqual(event.headers, orderCreatedHeaders(event.event_id));
    deepStrictEqual(JSON.parse(event.record_value), order, "event value = response body");
    // Same timestamps to the millisecond as a later read, and a replay answers the same body.
    deepStrictEqual(await (await t.get(`/orders/${order.id}`, u.token)).json(), order);
    if (i % 2) {
      const replay = await t.json("POST", "/orders", body, u.token, key);
      strictEqual(replay.headers.get("idempotent-replayed"), "true");
      deepStrictEqual(await replay.json(), order);
      strictEqual((await eventsOf(order.id)).length, 1);
    }
  }
});

test("an insert statement sends one NOTIFY outbox, however many rows it writes", async () => {
  const received: string[] = [];
  const listener = await t.deps.sql.listen("outbox", (payload) => received.push(payload));
  const sentinel = `sentinel-${crypto.randomUUID()}`;
  const topic = `order-event-test-${crypto.randomUUID()}`;
  try {
    // Already marked sent, so no relay ever picks these rows up.
    await t.deps.sql`
      insert into outbox (event_id, topic, record_key, record_value, headers, sent_at, state)
      select gen_random_uuid(), ${topic}, 'k' || n, '{}', '{}'::jsonb, now(), 'sent'
      from generate_series(1, 3) as n`;
    // Notifications arrive in commit order: once the sentinel is in, the insert's are too.
    await t.deps.sql`select pg_notify('outbox', ${sentinel})`;
    await waitFor(() => received.includes(sentinel), { what: "the sentinel notification" });
    strictEqual(received.indexOf(sentinel), 1, `one notification, got ${received.join(", ")}`);
    ok(/^\d+$/.test(received[0]), `the payload is an outbox id, got ${received[0]}`);
  } finally {
    await listener.unlisten();
    await t.deps.sql`delete from outbox where topic = ${topic}`;
  }
});
