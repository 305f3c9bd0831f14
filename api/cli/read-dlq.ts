// Prints the records of new_order.dlq as JSON lines (key, value, headers) and exits once the
// topic is drained: `deno task dlq [host:port,…]` (defaults to KAFKA_BROKERS).
import { Kafka, logLevel } from "kafkajs";
import { ORDER_DLQ_TOPIC } from "../../common/events/order-created.ts";

const brokers = (Deno.args[0] ?? Deno.env.get("KAFKA_BROKERS") ?? "").split(",").filter(Boolean);
if (brokers.length === 0) {
  console.error("usage: deno task dlq host:port[,host:port…] (or set KAFKA_BROKERS)");
  Deno.exit(2);
}
const kafka = new Kafka({ clientId: "order-dlq-reader", brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const ends = await admin.fetchTopicOffsets(ORDER_DLQ_TOPIC);
await admin.disconnect();
const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
for (const [partition, high] of remaining) if (high === 0n) remaining.delete(partition);

// A throwaway group that never commits: reading the DLQ does not consume it for anyone else.
const consumer = kafka.consumer({ groupId: `order-dlq-reader-${crypto.randomUUID()}` });
await consumer.connect();
await consumer.subscribe({ topic: ORDER_DLQ_TOPIC, fromBeginning: true });
const drained = Promise.withResolvers<void>();
if (remaining.size === 0) drained.resolve();
await consumer.run({
  autoCommit: false,
  eachMessage: ({ partition, message }) => {
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
    );
    console.log(JSON.stringify({
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      value: message.value?.toString() ?? null,
      headers,
    }));
    if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) {
      remaining.delete(partition);
    }
    if (remaining.size === 0) drained.resolve();
    return Promise.resolve();
  },
});
await drained.promise;
await consumer.disconnect();
Deno.exit(0);
