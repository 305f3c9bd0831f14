// The worker under faults, as real processes against the real broker and database: a first
// deploy (new group), a database outage it must wait out (not dead-letter), a bounded pool,
// and SIGTERM under load.
import assert from "node:assert/strict";
import { ORDER_DLQ_TOPIC, ORDER_TOPIC } from "../../common/events/order-created.ts";
import { privateRole, superuserAvailable } from "../helpers/db-role.ts";
import { collect, committed, goodOrder, kafka, produce, produceBatch } from "../helpers/kafka.ts";
import { connect, opts, waitFor } from "../helpers/events.ts";
import {
  processedCount,
  startFreshWorker,
  startWorker,
  startWorkerAs,
  stopWorker,
} from "../helpers/worker.ts";

const sql = connect();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => sql.end());

Deno.test(
  "worker: a brand-new group processes records produced before it joined",
  opts,
  async () => {
    const order = goodOrder();
    await produce([order.message]); // before the group exists
    // The group reads the topic from its beginning: older test records are handled quickly
    // (duplicates are skipped via processed_events).
    const worker = await startFreshWorker({
      WORKER_SIMULATED_WORK_MS: "0",
      WORKER_CONCURRENCY: "50",
    });
    try {
      await waitFor(
        "the earlier record processed",
        async () => (await processedCount(sql, [order.eventId])) === 1,
        60_000,
        100,
      );
    } finally {
      await stopWorker(worker);
    }
  },
);

Deno.test({
  name: "worker: a database outage is waited out, never dead-lettered; then processed once",
  ...opts,
  ignore: !superuserAvailable,
}, async () => {
  const role = await privateRole();
  const dlq = await (await collect(ORDER_DLQ_TOPIC)).start();
  const worker = await startWorkerAs(role);
  try {
    // Every connection of this worker is terminated (57P01) and new ones are refused (53300,
    // too many connections for the role), for as long as the test says.
    await role.block();
    const order = goodOrder();
    const [placed] = await produce([order.message]);
    const retries = () =>
      worker.output().split("\n").filter((line) =>
        line.includes('"database unavailable; retrying"') && line.includes(order.eventId)
      ).length;
    // Well past WORKER_MAX_RETRIES, which only counts deterministic failures.
    await waitFor("the worker to retry through the outage", () => retries() >= 5, 60_000, 100);
    assert.equal(await processedCount(sql, [order.eventId]), 0);
    assert.match(worker.output(), /"code":"53300"/, "too many connections seen");

    await role.unblock();
    await waitFor(
      "processed after the outage",
      async () => (await processedCount(sql, [order.eventId])) === 1,
      30_000,
    );
    await waitFor(
      "committed past it",
      async () => (await committed(worker.groupId, placed.partition)) > BigInt(placed.offset),
      30_000,
      100,
    );
    // A marker on the same key goes to the DLQ after the record (same partition, in order):
    // once it is there, anything the record would have produced would be there too.
    await produce([{ key: order.orderId, value: "{not json", headers: order.message.headers }]);
    const dead = await waitFor("the marker in the DLQ", () => {
      const mine = dlq.records.filter((r) => r.key === order.orderId);
      return mine.length > 0 && mine;
    }, 30_000);
    assert.deepEqual(dead.map((r) => r.headers["dlq-reason"]), ["invalid-json"]);
    assert.equal(await processedCount(sql, [order.eventId]), 1);
  } finally {
    await role.unblock().catch(() => {});
    await stopWorker(worker);
    await dlq.stop();
    await role.drop();
  }
});

Deno.test({
  name: "worker: the database pool stays within WORKER_DB_POOL_MAX whatever the concurrency",
  ...opts,
  ignore: !superuserAvailable,
}, async () => {
  const role = await privateRole();
  const worker = await startWorker({
    DATABASE_URL: role.url,
    WORKER_CONCURRENCY: "10",
    WORKER_DB_POOL_MAX: "2",
    WORKER_SIMULATED_WORK_MS: "200",
  });
  try {
    const orders = Array.from({ length: 40 }, () => goodOrder());
    const ids = orders.map((o) => o.eventId);
    await produceBatch(orders.map((o) => o.message));
    let most = 0;
    await waitFor(
      "40 processed",
      async () => {
        most = Math.max(most, await role.connections());
        return (await processedCount(sql, ids)) === 40;
      },
      60_000,
      20,
    );
    assert.ok(most >= 1, "connections were sampled while it worked");
    assert.ok(most <= 2, `at most 2 connections (saw ${most})`);
  } finally {
    await stopWorker(worker);
    await role.drop();
  }
});

Deno.test(
  "worker: SIGTERM under load finishes in-flight records, commits them, leaves",
  opts,
  async () => {
    const worker = await startWorker({
      WORKER_SIMULATED_WORK_MS: "400",
      WORKER_CONCURRENCY: "6",
      WORKER_SHUTDOWN_TIMEOUT_MS: "20000",
    });
    const admin = kafka().admin();
    await admin.connect();
    try {
      const before = new Map(
        (await admin.fetchTopicOffsets(ORDER_TOPIC)).map((p) => [p.partition, BigInt(p.offset)]),
      );
      const orders = Array.from({ length: 90 }, () => goodOrder());
      const ids = orders.map((o) => o.eventId);
      await produceBatch(orders.map((o) => o.message));
      await waitFor(
        "some processed",
        async () => (await processedCount(sql, ids)) >= 6,
        60_000,
        20,
      );
      worker.kill("SIGTERM");
      const status = await worker.status;
      assert.equal(status.code, 0, `exited before WORKER_SHUTDOWN_TIMEOUT_MS\n${worker.output()}`);
      assert.match(worker.output(), /"msg":"worker stopped"/);

      const rows = await sql<{ kafka_partition: number; kafka_offset: string }[]>`
      select kafka_partition, kafka_offset::text from processed_events
      where event_id = any(${ids}::uuid[])`;
      assert.ok(rows.length < 90, `stopped under load, not after it (${rows.length} done)`);
      const [topic] = await admin.fetchOffsets({ groupId: worker.groupId, topics: [ORDER_TOPIC] });
      const commits = new Map(topic.partitions.map((p) => [p.partition, BigInt(p.offset)]));
      // Every processed record is committed: nothing finished is handed to the next owner...
      const perPartition = new Map<number, bigint>();
      for (const row of rows) {
        const at = `${row.kafka_partition}:${row.kafka_offset}`;
        assert.ok(BigInt(row.kafka_offset) < commits.get(row.kafka_partition)!, `${at} committed`);
        perPartition.set(row.kafka_partition, (perPartition.get(row.kafka_partition) ?? 0n) + 1n);
      }
      // ...and nothing else is: each partition's commit is exactly the end of its processed
      // prefix (in-flight records finished, queued ones were left for the next owner).
      for (const [partition, start] of before) {
        assert.equal(
          commits.get(partition)! - start,
          perPartition.get(partition) ?? 0n,
          `partition ${partition}: committed = processed`,
        );
      }
      const [described] = (await admin.describeGroups([worker.groupId])).groups;
      assert.equal(described.members.length, 0, "left the group");
    } finally {
      await admin.disconnect();
      await stopWorker(worker);
    }
  },
);
