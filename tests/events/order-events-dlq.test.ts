// order_events has the guarantees of new_order (issue 21): a bad record goes to its own DLQ
// (order_events.dlq) with the dlq-* headers naming order_events, the records around it are
// processed once, and `deno task dlq --dlq order_events.dlq` reads it back.
import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { readDeadLetters } from "../../api/cli/dlq/read.ts";
import { eventHeaders } from "../../common/events/event-type.ts";
import { ORDER_CREATED } from "../../common/events/order-created.ts";
import { ORDER_STATUS_CHANGED } from "../../common/events/order-status-changed.ts";
import { TOPICS } from "../../common/events/topics.ts";
import { collect, kafka } from "../helpers/kafka.ts";
import { connect, opts, waitFor } from "../helpers/events.ts";
import { processedCount, startWorker, stopWorker } from "../helpers/worker.ts";

const sql = connect();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => sql.end());

function change(orderId: string, eventId = crypto.randomUUID(), type = ORDER_STATUS_CHANGED) {
  const value = {
    order_id: orderId,
    from: "PENDING",
    to: "PAID",
    version: 2,
    changed_at: new Date().toISOString(),
    actor_id: crypto.randomUUID(),
  };
  return { eventId, value, headers: eventHeaders(type, eventId) };
}

Deno.test(
  "a bad order_events record goes to order_events.dlq; the good ones are processed once",
  opts,
  async () => {
    const orderId = crypto.randomUUID();
    const good = [change(orderId), change(orderId)];
    const badSchema = change(orderId);
    (badSchema.value as Record<string, unknown>).to = "LOST";
    const wrongTopic = change(orderId, undefined, ORDER_CREATED as never); // belongs on new_order
    const dlq = await (await collect(TOPICS.orderEvents.dlq)).start();
    const worker = await startWorker();
    const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic: TOPICS.orderEvents.name,
        acks: -1,
        messages: [good[0], badSchema, wrongTopic, good[1], good[0]].map((e) => ({
          key: orderId,
          value: JSON.stringify(e.value),
          headers: e.headers,
        })),
      });
      const ids = good.map((e) => e.eventId);
      await waitFor("good records processed", async () => (await processedCount(sql, ids)) === 2);
      const ours = () => dlq.records.filter((r) => r.key === orderId);
      await waitFor("two dead letters", () => ours().length === 2);
      // Records are handled concurrently: the DLQ's order is not the topic's.
      const reasons = ours().map((r) => [r.headers["dlq-reason"], r.headers["event-id"]]).sort();
      assert.deepEqual(reasons, [
        ["invalid-headers", wrongTopic.eventId],
        ["invalid-schema", badSchema.eventId],
      ]);
      for (const r of ours()) {
        assert.equal(r.headers["dlq-original-topic"], TOPICS.orderEvents.name);
      }
      assert.equal(
        await worker.metric('worker_events_total{event_type="order.status_changed",result="dlq"}'),
        1,
      );
      assert.equal(
        await worker.metric(
          'worker_events_total{event_type="order.status_changed",result="duplicate"}',
        ),
        1,
      );
      const letters = await readDeadLetters(kafka(), TOPICS.orderEvents.dlq);
      const read = letters.filter((l) => l.key === orderId);
      assert.deepEqual(
        read.map((l) => l.eventId).sort(),
        [badSchema.eventId, wrongTopic.eventId].sort(),
      );
      assert.ok(read.every((l) => l.dlqTopic === TOPICS.orderEvents.dlq));
      assert.ok(read.every((l) => l.original.startsWith(`${TOPICS.orderEvents.name}:`)));
    } finally {
      await producer.disconnect();
      await stopWorker(worker);
      await dlq.stop();
    }
  },
);
