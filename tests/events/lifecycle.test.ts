// Order lifecycle events end to end (issue 21): 200 random valid status changes through the
// API, published by the relay, consumed by two workers of one group, one of them killed
// midway. A consumer of new_order and order_events rebuilds every order's status and version;
// the worker records each event once and dead-letters none; new_order carries only what it
// always has.
import assert from "node:assert/strict";
import { ORDER_CREATED, type OrderStatus } from "../../common/events/order-created.ts";
import {
  ORDER_STATUS_CHANGED,
  OrderStatusChangedValue,
} from "../../common/events/order-status-changed.ts";
import { TOPICS } from "../../common/events/topics.ts";
import { allowedMoves } from "../../api/orders/orders.model.ts";
import { createTestApp } from "../helpers/app.ts";
import { collect, type Received } from "../helpers/kafka.ts";
import { connect, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";
import { processedCount, startWorker, stopWorker } from "../helpers/worker.ts";

// An order takes one move (→ CANCELED) or two (→ PAID → SHIPPED or CANCELED): 1.5 on average,
// so 180 orders leave room for 200 moves by far.
const ORDERS = 180;
const MOVES = 200;

Deno.test(
  "a consumer of both topics rebuilds every order's status after 200 moves",
  opts,
  async () => {
    const t = createTestApp();
    const sql = connect();
    const created = await (await collect(TOPICS.newOrder.name)).start();
    const changes = await (await collect(TOPICS.orderEvents.name)).start();
    const dlqs = await Promise.all(
      [TOPICS.newOrder.dlq, TOPICS.orderEvents.dlq].map(async (dlq) =>
        (await collect(dlq)).start()
      ),
    );
    const outbox = relay(sql, uniqueLockKey());
    // A short session timeout: the killed worker's partitions go to the other one quickly.
    const env = { KAFKA_SESSION_TIMEOUT_MS: "6000", WORKER_SIMULATED_WORK_MS: "5" };
    const doomed = await startWorker(env);
    const survivor = await startWorker(env, doomed.groupId);
    try {
      await outbox.start();
      const u = await t.user();
      const status = new Map<string, OrderStatus>();
      for (let i = 0; i < ORDERS; i++) status.set((await t.order(u.token)).id, "PENDING");

      for (let move = 0; move < MOVES; move++) {
        if (move === MOVES / 2) await stopWorker(doomed); // SIGKILL: no goodbye to the group
        const movable = [...status].filter(([, s]) => allowedMoves(s).length > 0);
        const [id, from] = movable[Math.floor(Math.random() * movable.length)];
        const choices = allowedMoves(from);
        const to = choices[Math.floor(Math.random() * choices.length)];
        const res = await t.json("PATCH", `/orders/${id}`, { status: to }, u.token);
        assert.equal(res.status, 200, await res.text());
        status.set(id, to);
      }

      const ours = (records: Received[]) => records.filter((r) => status.has(r.key));
      await waitFor(
        "every event on its topic",
        () => ours(created.records).length === ORDERS && ours(changes.records).length === MOVES,
        60_000,
      );

      // new_order: one order.created per order, as before; nothing else.
      for (const record of ours(created.records)) {
        assert.equal(record.headers["event-type"], ORDER_CREATED.type);
      }
      // order_events: rebuilt in partition order, each change follows the one before it.
      const rebuilt = new Map<string, { status: OrderStatus; version: number }>(
        [...status.keys()].map((id) => [id, { status: "PENDING", version: 1 }]),
      );
      for (const record of ours(changes.records)) {
        assert.equal(record.headers["event-type"], ORDER_STATUS_CHANGED.type);
        const change = OrderStatusChangedValue.parse(JSON.parse(record.value));
        assert.equal(change.order_id, record.key, "keyed by order id");
        assert.equal(change.actor_id, u.id);
        const before = rebuilt.get(change.order_id)!;
        assert.equal(change.from, before.status, `${change.order_id}: events out of order`);
        assert.equal(change.version, before.version + 1);
        rebuilt.set(change.order_id, { status: change.to, version: change.version });
      }
      const rows = await sql<{ id: string; status: OrderStatus; version: number }[]>`
      select id, status, version from orders where id = any(${[...status.keys()]}::uuid[])`;
      assert.equal(rows.length, ORDERS);
      for (const row of rows) {
        assert.deepEqual(rebuilt.get(row.id), { status: row.status, version: row.version });
        assert.equal(row.status, status.get(row.id));
      }

      // The worker: every event's effect once, across the kill; none dead-lettered.
      const eventIds = [...ours(created.records), ...ours(changes.records)]
        .map((r) => r.headers["event-id"]);
      assert.equal(new Set(eventIds).size, ORDERS + MOVES);
      await waitFor(
        "every event processed",
        async () => (await processedCount(sql, eventIds)) === ORDERS + MOVES,
        90_000,
      );
      const topics = await sql<{ topic: string; n: number }[]>`
      select topic, count(*)::int as n from processed_events
      where event_id = any(${eventIds}::uuid[]) group by topic order by topic`;
      assert.deepEqual(topics.map((r) => [r.topic, r.n]), [
        [TOPICS.newOrder.name, ORDERS],
        [TOPICS.orderEvents.name, MOVES],
      ]);
      for (const dlq of dlqs) assert.equal(ours(dlq.records).length, 0);
      assert.ok(
        (await survivor.metric(
          'worker_events_total{event_type="order.status_changed",result="processed"}',
        )) > 0,
        "counted per event type",
      );
    } finally {
      await stopWorker(doomed);
      await stopWorker(survivor);
      await outbox.stop();
      for (const c of [created, changes, ...dlqs]) await c.stop();
      await t.close();
      await sql.end();
    }
  },
);
