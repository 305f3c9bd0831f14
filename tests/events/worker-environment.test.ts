// The worker against a wrong environment, as real processes on the real broker and database: a
// role that does not exist yet, and the processed_events table renamed away mid-run. Both
// pause the worker (common/db-errors.ts, worker/pause.ts): nothing is dead-lettered, every
// order is processed once when the environment is fixed, and a poison record still goes to
// the DLQ.
import assert from "node:assert/strict";
import type { IHeaders } from "kafkajs";
import { ORDER_DLQ_TOPIC, orderCreatedHeaders } from "../../common/events/order-created.ts";
import { privateRole, superuserAvailable } from "../helpers/db-role.ts";
import { collect, goodOrder, produceBatch } from "../helpers/kafka.ts";
import { connect, opts, waitFor } from "../helpers/events.ts";
import {
  processedCount,
  startWorker,
  startWorkerAs,
  stopWorker,
  type Worker,
} from "../helpers/worker.ts";

const sql = connect();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => sql.end());

/** Waits until the worker says it is paused for `reason`: readiness, metric and log line. */
async function assertPaused(worker: Worker, reason: string, deadLettered: () => number) {
  const ready = await waitFor(
    "readiness 503",
    async () => {
      const r = await worker.ready();
      return r.status === 503 && r.body?.reason === reason && r.body;
    },
    60_000,
    100,
  ).catch((error) => {
    throw new Error(`${error.message}; ${deadLettered()} of the orders dead-lettered meanwhile`);
  });
  assert.equal(ready.status, "paused");
  assert.ok(ready.why.length > 0 && ready.error.length > 0, JSON.stringify(ready));
  assert.equal(await worker.alive(), 204, "alive while paused: the process is healthy");
  assert.equal(await worker.metric(`worker_paused{reason="${reason}"}`), 1);
  const line = worker.output().split("\n").find((l) => l.includes('"worker paused: database'));
  assert.ok(line, "a log line says why");
  const logged = JSON.parse(line);
  assert.equal(logged.level, "error");
  assert.equal(logged.reason, reason);
}

/**
 * Produces a poison record (not JSON) on each order's key, so in each order's partition after
 * it, and waits for all of them in the DLQ: once they are there, anything the orders would have
 * sent to the DLQ is there too. Returns what reached the DLQ for the orders themselves.
 */
async function poisonAfter(orders: ReturnType<typeof goodOrder>[], dlq: { records: Received[] }) {
  await produceBatch(orders.map((o) => ({
    key: o.orderId,
    value: "{not json",
    headers: orderCreatedHeaders(crypto.randomUUID()) as IHeaders,
  })));
  const keys = new Set<string>(orders.map((o) => o.orderId));
  const markers = await waitFor("every poison record in the DLQ", () => {
    const found = dlq.records.filter((r) => keys.has(r.key) && r.value === "{not json");
    return found.length === orders.length && found;
  }, 60_000);
  assert.deepEqual(new Set(markers.map((r) => r.headers["dlq-reason"])), new Set(["invalid-json"]));
  return ofOrders(dlq.records, orders);
}

/** The records carrying one of the orders' event ids. */
function ofOrders(records: Received[], orders: ReturnType<typeof goodOrder>[]) {
  const eventIds = new Set<string>(orders.map((o) => o.eventId));
  return records.filter((r) => eventIds.has(r.headers["event-id"]));
}
type Received = Awaited<ReturnType<typeof collect>>["records"][number];

Deno.test({
  name: "worker: a missing role created mid-run dead-letters nothing, processes each order once",
  ...opts,
  ignore: !superuserAvailable,
}, async () => {
  const role = await privateRole({ created: false });
  const dlq = await (await collect(ORDER_DLQ_TOPIC)).start();
  const worker = await startWorkerAs(role);
  try {
    const orders = Array.from({ length: 5 }, () => goodOrder());
    const ids = orders.map((o) => o.eventId);
    await produceBatch(orders.map((o) => o.message));
    await assertPaused(worker, "authentication", () => ofOrders(dlq.records, orders).length);
    assert.match(worker.output(), /"code":"28000"/);
    assert.equal(await processedCount(sql, ids), 0);

    await role.create();
    await waitFor("5 processed", async () => (await processedCount(sql, ids)) === 5, 60_000, 100);
    await waitFor("ready again", async () => (await worker.ready()).status === 204, 30_000, 100);
    assert.equal(await worker.metric('worker_paused{reason="authentication"}'), 0);
    assert.match(worker.output(), /"msg":"worker resumed: database usable again"/);
    assert.deepEqual(await poisonAfter(orders, dlq), [], "no order was dead-lettered");
    // Once each: 5 effects, no duplicates, and only the 5 poison records dead-lettered.
    assert.equal(await worker.metric('worker_records_total{result="processed"}'), 5);
    assert.equal(await worker.metric('worker_records_total{result="duplicate"}'), 0);
    assert.equal(await worker.metric('worker_records_total{result="dlq"}'), 5);
  } finally {
    await stopWorker(worker);
    await dlq.stop();
    await role.drop();
  }
});

Deno.test(
  "worker: processed_events renamed away and back mid-run dead-letters nothing",
  opts,
  async () => {
    const away = `processed_events_away_${crypto.randomUUID().slice(0, 8)}`;
    const dlq = await (await collect(ORDER_DLQ_TOPIC)).start();
    const worker = await startWorker({
      WORKER_SIMULATED_WORK_MS: "20",
      WORKER_MAX_RETRIES: "1",
      WORKER_CONCURRENCY: "10",
    });
    let renamed = false;
    try {
      const orders = Array.from({ length: 30 }, () => goodOrder());
      const ids = orders.map((o) => o.eventId);
      await produceBatch(orders.slice(0, 10).map((o) => o.message));
      await waitFor("the first 10 processed", async () => (await processedCount(sql, ids)) === 10);

      await sql.unsafe(`alter table processed_events rename to ${away}`);
      renamed = true;
      await produceBatch(orders.slice(10, 20).map((o) => o.message));
      await assertPaused(worker, "missing-table", () => ofOrders(dlq.records, orders).length);
      assert.match(worker.output(), /"code":"42P01"/);

      await sql.unsafe(`alter table ${away} rename to processed_events`);
      renamed = false;
      await produceBatch(orders.slice(20).map((o) => o.message));
      await waitFor(
        "30 processed",
        async () => (await processedCount(sql, ids)) === 30,
        60_000,
        100,
      );
      await waitFor("ready again", async () => (await worker.ready()).status === 204, 30_000, 100);
      assert.deepEqual(await poisonAfter(orders, dlq), [], "no order was dead-lettered");
      assert.equal(await worker.metric('worker_records_total{result="processed"}'), 30);
      assert.equal(await worker.metric('worker_records_total{result="duplicate"}'), 0);
    } finally {
      if (renamed) await sql.unsafe(`alter table ${away} rename to processed_events`);
      await stopWorker(worker);
      await dlq.stop();
    }
  },
);
