// The whole event path through real processes: API (outbox + relay) → Kafka → Bun worker →
// processed_events. Covers the record contract, a Kafka outage during order creation, and two
// API processes sharing one database.
import assert from "node:assert/strict";
import { ORDER_TOPIC, OrderCreatedValue } from "../../common/events/order-created.ts";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { placeOrder, startApi } from "../helpers/processes.ts";
import { localBroker, startKafka, stopKafka } from "../helpers/broker.ts";
import { collect } from "../helpers/kafka.ts";
import { connect, opts, waitFor } from "../helpers/events.ts";
import { processedCount, startAtEnd, startWorker } from "../helpers/worker.ts";

const API_ENV = { OUTBOX_SWEEP_INTERVAL_MS: "500", SLOWAPI_RATELIMIT: "100000/minute" };

Deno.test(
  "an order created over HTTP is one record on new_order, processed once",
  opts,
  async () => {
    const sql = connect();
    const records = await (await collect(ORDER_TOPIC)).start();
    const worker = await startWorker({ WORKER_SIMULATED_WORK_MS: "0" });
    const api = await startApi(API_ENV);
    try {
      const { data: order, user: u } = await placeOrder(api.url, "events", {
        items: { sku_1: 3 },
        order_price: 42.5,
      });
      const [record] = await waitFor("the record", () => {
        const found = records.records.filter((r) => r.key === order.id);
        return found.length ? found : null;
      });
      assert.deepEqual(JSON.parse(record.value), order, "value is the order as the API returns it");
      const value = OrderCreatedValue.parse(JSON.parse(record.value));
      // The original consumers read these four fields.
      assert.deepEqual([value.id, value.creator_id, value.items], [order.id, u.id, { sku_1: 3 }]);
      assert.ok(Date.parse(value.created_at));
      assert.equal(record.headers["event-type"], "order.created");
      assert.equal(record.headers["event-version"], "1");
      assert.equal(record.headers["content-type"], "application/json");
      assert.match(record.headers["event-id"], /^[0-9a-f-]{36}$/);

      await waitFor(
        "processed",
        async () => (await processedCount(sql, [order.id], "order_id")) === 1,
      );
      const [row] = await sql`select event_id from processed_events where order_id = ${order.id}`;
      assert.equal(row.event_id, record.headers["event-id"]);
      // Nothing else arrives for it: still exactly one record and one effect.
      await waitFor(
        "the relay to mark it sent",
        async () =>
          (await sql`select 1 from outbox where record_key = ${order.id} and sent_at is not null`)
            .length,
      );
      assert.equal(
        records.records.filter((r) => r.key === order.id).length,
        1,
      );
      assert.equal(await processedCount(sql, [order.id], "order_id"), 1);
    } finally {
      await api.stop();
      worker.kill("SIGTERM");
      await worker.status;
      await records.stop();
      await sql.end();
    }
  },
);

Deno.test({
  name: "Kafka down: 200 orders still get 201, then all 200 arrive and are processed once",
  ...opts,
  ignore: !localBroker,
}, async () => {
  const sql = connect();
  const records = await collect(ORDER_TOPIC);
  // The worker's group starts at today's end before any of the 200 exist: the relay may
  // publish them as soon as Kafka is back, before the worker process has joined.
  const group = `events-test-worker-${crypto.randomUUID()}`;
  await startAtEnd(group);
  const api = await startApi(API_ENV);
  let kafkaStopped = false;
  let worker;
  try {
    const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
    const u = await http.user("outage");
    await stopKafka();
    kafkaStopped = true;
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http.call("POST", "/orders", {
            token: u.token,
            json: { items: { n: batch * 20 + i }, order_price: 1 },
          })),
      );
      for (const res of responses) {
        assert.equal(res.status, 201, res.text);
        ids.push(res.data.id);
      }
    }
    assert.equal(ids.length, 200);
    await startKafka();
    kafkaStopped = false;
    await records.start();
    worker = await startWorker({ WORKER_SIMULATED_WORK_MS: "0" }, group);
    await waitFor("all 200 records", () => {
      const keys = new Set(records.records.map((r) => r.key));
      return ids.every((id) => keys.has(id));
    }, 60_000);
    const mine = records.records.filter((r) => ids.includes(r.key));
    assert.equal(mine.length, 200, "each order published exactly once");
    await waitFor(
      "all 200 processed",
      async () => (await processedCount(sql, ids, "order_id")) === 200,
      60_000,
    );
    assert.equal(await processedCount(sql, ids, "order_id"), 200);
  } finally {
    if (kafkaStopped) await startKafka();
    await api.stop();
    if (worker) {
      worker.kill("SIGTERM");
      await worker.status;
    }
    await records.stop();
    await sql.end();
  }
});

Deno.test("two API processes on one database publish every event once", opts, async () => {
  const records = await (await collect(ORDER_TOPIC)).start();
  const apis = [await startApi(API_ENV), await startApi(API_ENV)];
  try {
    const clients = apis.map((api) => client(api.url, { "X-Forwarded-For": uniqueIp() }));
    const u = await clients[0].user("two-apis");
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await clients[i % 2].call("POST", "/orders", {
        token: u.token,
        json: { items: { i }, order_price: i },
      });
      assert.equal(res.status, 201);
      ids.push(res.data.id);
    }
    await waitFor("all 40 records", () => {
      const keys = new Set(records.records.map((r) => r.key));
      return ids.every((id) => keys.has(id));
    }, 30_000);
    const counts = new Map<string, number>();
    for (const r of records.records) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
    assert.ok(ids.every((id) => counts.get(id) === 1), "each order exactly once");
    // Both are ready (the producer check included; /health/ready shows only the status),
    // and at most one of them became the relay leader (another API may run on this machine).
    const statuses = await Promise.all(
      clients.map(async (c) => (await c.call("GET", "/health/ready")).data.status),
    );
    assert.deepEqual(statuses, ["ok", "ok"]);
    const leaders = apis.filter((api) =>
      api.logs.some((line) => line.includes("outbox relay: became leader"))
    );
    assert.ok(leaders.length <= 1, `${leaders.length} relay leaders`);
  } finally {
    await Promise.all(apis.map((api) => api.stop()));
    await records.stop();
  }
});
