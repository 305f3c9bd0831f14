// A partial Kafka outage (one partition without a leader while the others serve) must not park
// the rows of that partition: a broker-side failure counts against a row only when rows of its
// own partition got through in the same batch. The outage is played by a fake producer over the
// real outbox table (one broker cannot lose a partition's leader alone); the partition the real
// producer reports for a row is checked against a real broker.
import assert from "node:assert/strict";
import type { RecordMetadata } from "kafkajs";
import { publishBatch, type Sender } from "../../api/events/outbox-publish.ts";
import type { OutboxRow } from "../../api/events/outbox-store.ts";
import { createRelayProducer } from "../../api/events/relay-producer.ts";
import { BROKERS, connect, insertOrders, opts } from "../helpers/events.ts";
import { kafka } from "../helpers/kafka.ts";

const OPTIONS = {
  batchSize: 1_000,
  leaseMs: 60_000,
  maxBatchMs: 5_000,
  maxAttempts: 2,
  backoff: { baseMs: 0, maxMs: 0 },
  unavailableDelayMs: 60_000, // rows given back wait; the test makes them due again itself
};

/** A broker-side error, as kafkajs reports a partition without a leader. */
const leaderless = () =>
  Object.assign(new Error("There is no leader for this topic-partition"), {
    type: "LEADER_NOT_AVAILABLE",
  });

/**
 * A producer over two partitions of one topic: `down` rows' partition refuses every send, and
 * `refused` rows are refused on a partition that takes the others. Rows of other tests that a
 * claim picks up are refused as if on a third, unknown partition, and so go back uncounted.
 */
function fakeProducer(placement: Map<string, number>, refused: Set<string>): Sender {
  const partitionOf = (row: Pick<OutboxRow, "topic" | "record_key">) => {
    const p = placement.get(row.record_key);
    return p === undefined ? undefined : `${row.topic}:${p}`;
  };
  const sendBatch = ({ topicMessages }: {
    topicMessages: { topic: string; messages: { key: string }[] }[];
  }) => {
    const partitions = new Set<number>();
    for (const { messages } of topicMessages) {
      for (const { key } of messages) {
        const p = placement.get(key);
        if (p === undefined || p === 1 || refused.has(key)) {
          return Promise.reject(leaderless());
        }
        partitions.add(p);
      }
    }
    const topicName = topicMessages[0].topic;
    return Promise.resolve([...partitions].map((partition) => ({
      topicName,
      partition,
      errorCode: 0,
    })));
  };
  const producer = { sendBatch } as never;
  return {
    producer: () => Promise.resolve(producer),
    renew: () => Promise.resolve(producer),
    partitionOf,
  };
}

Deno.test(
  "relay: rows of a leaderless partition are never parked; a row its partition refused is",
  opts,
  async () => {
    const sql = connect();
    let ids: string[] = [];
    try {
      const orders = await insertOrders(sql, 6);
      ids = orders.map((o) => o.eventId);
      // Partition 0 serves (one of its rows is refused on its own); partition 1 has no leader.
      const placement = new Map(orders.map((o, i) => [o.orderId, i % 2]));
      const refused = new Set([orders[2].orderId]);
      const sender = fakeProducer(placement, refused);
      const state = async () =>
        new Map(
          (await sql<{ record_key: string; state: string; attempts: number }[]>`
            select record_key, state, attempts from outbox
            where event_id = any(${ids}::uuid[])`).map((r) => [r.record_key, r]),
        );
      // Batches until the refused row is parked (it is tried one by one, after the others).
      for (let batch = 0; batch < 20; batch++) {
        await publishBatch(sql, sender, OPTIONS);
        if ((await state()).get(orders[2].orderId)?.state === "parked") break;
      }
      // The leaderless partition's rows, tried again more often than maxAttempts.
      for (let batch = 0; batch <= OPTIONS.maxAttempts; batch++) {
        await sql`update outbox set next_attempt_at = now()
          where event_id = any(${ids}::uuid[]) and state = 'pending'`;
        const result = await publishBatch(sql, sender, OPTIONS);
        assert.ok(result.released >= 3, JSON.stringify(result));
      }
      const rows = await state();
      for (const [i, order] of orders.entries()) {
        const row = rows.get(order.orderId)!;
        const expected = placement.get(order.orderId) === 1
          ? { state: "pending", attempts: 0 }
          : refused.has(order.orderId)
          ? { state: "parked", attempts: 2 }
          : { state: "sent", attempts: 0 };
        assert.deepEqual({ state: row.state, attempts: row.attempts }, expected, `row ${i}`);
      }
    } finally {
      // Leave nothing of this test pending for the next test's relays.
      await sql`update outbox set state = 'sent', sent_at = now(), claim_token = null
        where event_id = any(${ids}::uuid[])`;
      await sql.end();
    }
  },
);

Deno.test(
  "relay producer: partitionOf names the partition the broker took the record on",
  opts,
  async () => {
    const topic = `events-test.partitions-${crypto.randomUUID()}`;
    const admin = kafka().admin();
    await admin.connect();
    const relay = createRelayProducer({
      brokers: BROKERS,
      clientId: "partition-test",
      log: () => {},
    });
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      const producer = await relay.ensure();
      if (!producer) throw new Error("the relay producer did not connect");
      const seen = new Set<number>();
      for (let i = 0; i < 12; i++) {
        const key = crypto.randomUUID();
        assert.equal(relay.partitionOf(topic, key), undefined, "unknown before it is sent");
        const acknowledged: RecordMetadata[] = await producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic, messages: [{ key, value: "{}" }] }],
        });
        assert.equal(relay.partitionOf(topic, key), `${topic}:${acknowledged[0].partition}`);
        seen.add(acknowledged[0].partition);
      }
      assert.ok(seen.size > 1, "the keys spread over partitions");
    } finally {
      await relay.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  },
);
