// Kafka stopped while orders are written: the rows stay pending (never dropped) and are
// published once each after the broker returns. Stops and restarts the shared local broker,
// so it is the only test that does.
import assert from "node:assert/strict";
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import { byEventId, collect } from "../helpers/kafka.ts";
import { connect, insertOrders, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";
import { localBroker, startKafka, stopKafka } from "../helpers/broker.ts";

Deno.test("Kafka down: rows stay pending, then are published once each", {
  ...opts,
  ignore: !localBroker,
}, async () => {
  const sql = connect();
  const key = uniqueLockKey();
  const r = relay(sql, key, 300);
  const late = relay(sql, key, 300); // a second API process, started during the outage
  const records = await collect(ORDER_TOPIC); // end offsets taken while Kafka is up
  let kafkaStopped = false;
  try {
    await r.start();
    await waitFor("relay ready", () => r.status().producer === "connected" && r.status().leader);
    await stopKafka();
    kafkaStopped = true;

    await late.start(); // must not throw or wait for Kafka
    assert.deepEqual(late.status(), { producer: "disconnected", leader: false, published: 0 });

    const orders = await insertOrders(sql, 20);
    const ids = orders.map((o) => o.eventId);
    await waitFor("relay notices", () => r.status().producer === "disconnected", 30_000);
    const [{ unsent }] = await sql`select count(*)::int as unsent from outbox
      where event_id = any(${ids}::uuid[]) and sent_at is null`;
    assert.equal(unsent, 20, "nothing is marked sent while Kafka is down");

    await startKafka();
    kafkaStopped = false;
    await waitFor(
      "rows sent",
      async () => {
        const [{ sent }] = await sql`select count(*)::int as sent from outbox
        where event_id = any(${ids}::uuid[]) and sent_at is not null`;
        return sent === 20;
      },
      90_000,
      200,
    );
    await records.start();
    await waitFor("20 records", () => byEventId(records.records, ids).size === 20, 60_000);
    const found = byEventId(records.records, ids);
    assert.ok([...found.values()].every((copies) => copies.length === 1), "each exactly once");
    assert.equal(r.status().producer, "connected");
    await waitFor("late relay connects", () => late.status().producer === "connected", 30_000);
  } finally {
    if (kafkaStopped) await startKafka();
    await late.stop();
    await r.stop();
    await records.stop();
    await sql.end();
  }
});
