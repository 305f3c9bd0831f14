// The worker's record handler in process, against the real database: with no downstream work
// to spare it skips the look-up and lets the insert tell a redelivery apart; with work, a
// redelivery is recognised before the work.
import assert from "node:assert/strict";
import { ORDER_TOPIC, orderCreatedHeaders } from "../../common/events/order-created.ts";
import { createHandler, type InputRecord } from "../../worker/handle.ts";
import { connect, opts, testLog } from "../helpers/events.ts";

function record(offset: number): { record: InputRecord; eventId: string; orderId: string } {
  const eventId = crypto.randomUUID();
  const orderId = crypto.randomUUID();
  const value = {
    id: orderId,
    creator_id: crypto.randomUUID(),
    items: { sku: 1 },
    order_price: 12.5,
    status: "PENDING",
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  };
  return {
    eventId,
    orderId,
    record: {
      topic: ORDER_TOPIC,
      partition: 0,
      offset: String(offset),
      value: new TextEncoder().encode(JSON.stringify(value)),
      headers: orderCreatedHeaders(eventId),
    },
  };
}

for (const simulatedWorkMs of [0, 30]) {
  Deno.test(
    `worker handler (work ${simulatedWorkMs} ms): a redelivered event is a duplicate, one effect`,
    opts,
    async () => {
      const sql = connect(2);
      const statements: string[] = [];
      try {
        const handle = createHandler({
          // Every statement the handler sends, to see which ones a delivery costs.
          sql: new Proxy(sql, {
            apply(target, self, args) {
              statements.push(String(args[0]?.[0] ?? "").trim().split(/\s+/)[0]);
              return Reflect.apply(target, self, args);
            },
          }),
          simulatedWorkMs,
          maxRetries: 3,
          log: testLog,
        });
        const { record: first, eventId, orderId } = record(1);
        assert.deepEqual(await handle(first), {
          kind: "processed",
          eventType: "order.created",
          eventId,
          orderId,
        });
        assert.deepEqual(
          statements,
          simulatedWorkMs > 0 ? ["select", "insert"] : ["insert"],
          "a look-up only when there is work to spare",
        );
        statements.length = 0;
        const again = await handle({ ...first, offset: "2" });
        assert.deepEqual(again, {
          kind: "duplicate",
          eventType: "order.created",
          eventId,
          orderId,
        });
        assert.deepEqual(statements, simulatedWorkMs > 0 ? ["select"] : ["insert"]);
        const rows = await sql`select kafka_offset from processed_events
          where event_id = ${eventId}`;
        assert.deepEqual(rows.map((r) => String(r.kafka_offset)), ["1"], "one effect, the first");
      } finally {
        await sql.end();
      }
    },
  );
}
