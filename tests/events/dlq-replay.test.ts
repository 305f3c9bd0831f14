// `deno task dlq replay` and `deno task dlq` (list) as real processes, with the real worker,
// broker and database: a dead-lettered valid record is replayed and processed once; a dead
// letter whose event was processed before stays one effect; replaying again publishes nothing.
import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { deadLetterHeaders } from "../../common/events/dead-letter.ts";
import { ORDER_DLQ_TOPIC, ORDER_TOPIC } from "../../common/events/order-created.ts";
import { BROKERS, connect, DATABASE_URL, opts, waitFor } from "../helpers/events.ts";
import { collect, goodOrder, kafka, produce } from "../helpers/kafka.ts";
import { startWorker } from "../helpers/worker.ts";

const sql = connect();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => sql.end());

/** Writes a dead letter for `order` as the worker does, as if it had failed at `from`. */
async function deadLetter(order: ReturnType<typeof goodOrder>, from: { offset: string }) {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const [meta] = await producer.send({
      topic: ORDER_DLQ_TOPIC,
      acks: -1,
      messages: [{
        key: order.message.key,
        value: order.message.value,
        headers: deadLetterHeaders(order.message.headers, {
          topic: ORDER_TOPIC,
          reason: "retries-exhausted",
          error: 'role "order_worker" does not exist',
          partition: 0,
          offset: from.offset,
        }),
      }],
    });
    return `${meta.partition}:${meta.baseOffset}`;
  } finally {
    await producer.disconnect();
  }
}

async function dlqCli(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-sys",
      "api/cli/dlq.ts",
      ...args,
    ],
    env: { KAFKA_BROKERS: BROKERS.join(","), DATABASE_URL },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lines = new TextDecoder().decode(stdout).split("\n").filter(Boolean);
  return { code, lines: lines.map((l) => JSON.parse(l)), stderr: new TextDecoder().decode(stderr) };
}

const rowsOf = (eventId: string) =>
  sql<{ kafka_partition: number; kafka_offset: string }[]>`
    select kafka_partition, kafka_offset::text from processed_events where event_id = ${eventId}`;

Deno.test(
  "dlq replay: a dead-lettered record is processed once; replaying twice publishes once",
  opts,
  async () => {
    const worker = await startWorker({ WORKER_SIMULATED_WORK_MS: "0" });
    const topic = await (await collect(ORDER_TOPIC)).start();
    try {
      // Never processed: dead-lettered by a worker with a wrong role, before this fix.
      const lost = goodOrder();
      const lostAt = await deadLetter(lost, { offset: "7" });
      // Processed, and a copy of it in the DLQ too.
      const done = goodOrder();
      const [doneAt] = await produce([done.message]);
      await waitFor("processed once", async () => (await rowsOf(done.eventId)).length === 1);
      const doneDeadAt = await deadLetter(done, doneAt);

      const first = await dlqCli("replay", lostAt, doneDeadAt);
      assert.equal(first.code, 0, first.stderr);
      const replayed = new Map(first.lines.map((l) => [l.replayed, l.to]));
      assert.deepEqual([...replayed.keys()], [lostAt, doneDeadAt]);

      const [row] = await waitFor("the lost order processed", async () => {
        const rows = await rowsOf(lost.eventId);
        return rows.length > 0 && rows;
      }, 30_000);
      assert.equal(
        `${ORDER_TOPIC}:${row.kafka_partition}:${row.kafka_offset}`,
        replayed.get(lostAt),
      );
      await waitFor(
        "the replayed copy seen as a duplicate",
        async () => (await worker.metric('worker_records_total{result="duplicate"}')) === 1,
      );
      assert.deepEqual([...await rowsOf(done.eventId)], [
        { kafka_partition: doneAt.partition, kafka_offset: doneAt.offset },
      ], "the effect of the earlier processing, not a second one");

      const second = await dlqCli("replay", lostAt, doneDeadAt);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(second.lines.map((l) => l.skipped), [lostAt, doneDeadAt]);
      assert.match(second.stderr, /replayed 0, skipped 2/);

      // A later record on the lost order's key (same partition): once the collector has it, it
      // has every replay published before it.
      const later = goodOrder(lost.orderId);
      await produce([later.message]);
      await waitFor(
        "the later record",
        () => topic.records.some((r) => r.headers["event-id"] === later.eventId),
      );
      const copies = topic.records.filter((r) => r.headers["replayed-from"]);
      const lostCopies = copies.filter((r) => r.headers["event-id"] === lost.eventId);
      assert.equal(lostCopies.length, 1, "published once");
      assert.equal(copies.filter((r) => r.headers["event-id"] === done.eventId).length, 1);
      const [copy] = lostCopies;
      assert.equal(copy.key, lost.orderId);
      assert.equal(copy.value, lost.message.value);
      assert.equal(copy.headers["replayed-from"], `${ORDER_DLQ_TOPIC}:${lostAt}`);
      assert.equal(copy.headers["event-type"], "order.created");
      assert.ok(!Object.keys(copy.headers).some((h) => h.startsWith("dlq-")), "no dlq-* headers");
      assert.equal((await rowsOf(lost.eventId)).length, 1);

      // The list shows each dead letter's reason and error, and where it was replayed to.
      const listed = await dlqCli("list");
      assert.equal(listed.code, 0, listed.stderr);
      const entry = listed.lines.find((l) => `${l.partition}:${l.offset}` === lostAt);
      assert.equal(entry.reason, "retries-exhausted");
      assert.match(entry.error, /does not exist/);
      assert.equal(entry.replayed.to, replayed.get(lostAt));
    } finally {
      worker.kill("SIGKILL");
      await worker.status;
      await topic.stop();
    }
  },
);

Deno.test(
  "dlq replay: a position not in the DLQ is an error; bad arguments are usage errors",
  opts,
  async () => {
    const missing = await dlqCli("replay", "0:999999999");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not in new_order.dlq: 0:999999999/);
    assert.equal((await dlqCli("replay")).code, 2);
    assert.equal((await dlqCli("replay", "--all", "0:1")).code, 2);
    assert.equal((await dlqCli("replay", "zero:1")).code, 2);
  },
);
