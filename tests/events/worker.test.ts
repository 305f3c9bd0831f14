// The real worker process (`bun run worker`) against the real broker and database.
import assert from "node:assert/strict";
import { ORDER_DLQ_TOPIC } from "../../common/events/order-created.ts";
import { collect, committed, goodOrder, produce, produceBatch } from "../helpers/kafka.ts";
import { connect, opts, waitFor } from "../helpers/events.ts";
import { processedCount, startWorker, type Worker } from "../helpers/worker.ts";

const sql = connect();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => sql.end());

async function stopped(worker: Worker, signal: Deno.Signal = "SIGTERM") {
  worker.kill(signal);
  return await worker.status;
}

Deno.test(
  "worker: records once, in parallel; alive while consuming; SIGTERM exits 0",
  opts,
  async () => {
    // 20 records of 300 ms work each: one at a time their effects would spread over ~6 s; with
    // 10 at once they land in two waves ~300 ms apart. Judged from the rows' own timestamps,
    // not from how fast this machine happens to be.
    const worker = await startWorker({ WORKER_SIMULATED_WORK_MS: "300", WORKER_CONCURRENCY: "10" });
    try {
      assert.equal(await worker.alive(), 204);
      const orders = Array.from({ length: 20 }, () => goodOrder());
      const ids = orders.map((o) => o.eventId);
      await produceBatch(orders.map((o) => o.message));
      await waitFor("20 processed", async () => (await processedCount(sql, ids)) === 20, 30_000);
      const [{ spread }] = await sql`
        select extract(epoch from max(processed_at) - min(processed_at)) * 1000 as spread
        from processed_events where event_id = any(${ids}::uuid[])`;
      assert.ok(Number(spread) < 3_000, `in parallel, not one at a time (${spread} ms)`);
      const rows = await sql`select order_id, topic from processed_events
      where event_id = ${orders[0].eventId}`;
      assert.deepEqual([...rows], [{ order_id: orders[0].orderId, topic: "new_order" }]);

      // A redelivered event (same event-id, new offset) changes nothing.
      const [{ partition, offset }] = await produce([orders[0].message]);
      await waitFor(
        "duplicate handled",
        async () => (await committed(worker.groupId, partition)) > BigInt(offset),
        30_000,
        100,
      );
      assert.equal(await processedCount(sql, ids), 20);
      assert.equal(await worker.alive(), 204);

      const t = Date.now();
      const status = await stopped(worker);
      assert.equal(status.code, 0, worker.output());
      assert.ok(Date.now() - t < 10_000, "prompt shutdown");
      assert.equal(await worker.alive(), 0);
      assert.match(worker.output(), /"msg":"worker stopped"/);
    } finally {
      worker.kill("SIGKILL");
      await worker.status;
    }
  },
);

Deno.test("worker: poison records go to the DLQ and the partition keeps moving", opts, async () => {
  const dlq = await collect(ORDER_DLQ_TOPIC);
  await dlq.start();
  const worker = await startWorker({ WORKER_MAX_RETRIES: "1" });
  try {
    const key = crypto.randomUUID(); // one key: every record lands on the same partition
    const valid = goodOrder(key);
    const eventId = () => ({ ...valid.message.headers, "event-id": crypto.randomUUID() });
    const poison = [
      { reason: "invalid-json", key, value: "{not json", headers: eventId() },
      { reason: "invalid-schema", key, value: JSON.stringify({ id: key }), headers: eventId() },
      { reason: "invalid-headers", key, value: valid.message.value },
      // Valid by the schema, but the id is no UUID: the insert fails on every retry.
      {
        reason: "retries-exhausted",
        key,
        value: valid.message.value.replace(key, "not-a-uuid"),
        headers: eventId(),
      },
    ];
    const placed = await produce([...poison, valid.message]);
    assert.ok(placed.every((p) => p.partition === placed[0].partition));

    await waitFor(
      "good record after the poison",
      async () => (await processedCount(sql, [valid.eventId])) === 1,
      30_000,
    );
    const dead = await waitFor("4 in the DLQ", () => {
      const mine = dlq.records.filter((r) => r.key === key);
      return mine.length === 4 && mine;
    }, 30_000);
    for (const [index, sent] of poison.entries()) {
      const record = dead.find((r) => r.headers["dlq-original-offset"] === placed[index].offset);
      assert.ok(record, `${sent.reason} dead-lettered`);
      assert.equal(record.value, sent.value, "original value kept");
      assert.equal(record.headers["dlq-reason"], sent.reason);
      assert.ok(record.headers["dlq-error"].length > 0);
      assert.equal(record.headers["dlq-original-partition"], String(placed[index].partition));
      if (sent.headers) assert.equal(record.headers["event-id"], sent.headers["event-id"]);
    }
    // Everything up to the good record is committed: the poison does not block the partition.
    await waitFor(
      "committed past",
      async () => (await committed(worker.groupId, placed[0].partition)) > BigInt(placed[4].offset),
      30_000,
    );
    assert.equal((await stopped(worker)).code, 0);
  } finally {
    worker.kill("SIGKILL");
    await worker.status;
    await dlq.stop();
  }
});

Deno.test(
  "worker: SIGKILL mid-stream and restart, every event processed exactly once",
  opts,
  async () => {
    // The broker's minimum session timeout: the killed member's partitions move on sooner.
    const env = {
      WORKER_SIMULATED_WORK_MS: "50",
      WORKER_CONCURRENCY: "4",
      KAFKA_SESSION_TIMEOUT_MS: "6000",
    };
    const first = await startWorker(env);
    const orders = Array.from({ length: 100 }, () => goodOrder());
    const ids = orders.map((o) => o.eventId);
    let second: Worker | null = null;
    try {
      await produceBatch(orders.map((o) => o.message));
      await waitFor(
        "some processed",
        async () => (await processedCount(sql, ids)) >= 20,
        30_000,
        20,
      );
      const status = await stopped(first, "SIGKILL");
      assert.equal(status.signal, "SIGKILL");
      const before = await processedCount(sql, ids);
      assert.ok(before < 100, `killed mid-stream (${before} done)`);

      second = await startWorker(env, first.groupId);
      await waitFor(
        "all 100 processed",
        async () => (await processedCount(sql, ids)) === 100,
        60_000,
      );
      const [{ n }] = await sql`select count(*)::int as n from processed_events
      where event_id = any(${ids}::uuid[])`;
      assert.equal(n, 100);
      assert.equal((await stopped(second)).code, 0);
    } finally {
      first.kill("SIGKILL");
      second?.kill("SIGKILL");
      await Promise.all([first.status, second?.status]);
    }
  },
);
