// Reads every record of new_order.dlq and returns once the topic is drained (up to the end
// offsets seen at the start). A throwaway consumer group that never commits: reading the DLQ
// does not consume it for anyone else.
import type { Kafka } from "kafkajs";
import { type DeadLetter, parseDeadLetter } from "../../../common/events/dead-letter.ts";
import { ORDER_DLQ_TOPIC } from "../../../common/events/order-created.ts";

export async function readDeadLetters(kafka: Kafka): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(ORDER_DLQ_TOPIC).finally(() => admin.disconnect());
  const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
  for (const [partition, high] of remaining) if (high === 0n) remaining.delete(partition);
  const letters: DeadLetter[] = [];
  if (remaining.size === 0) return letters;

  const consumer = kafka.consumer({ groupId: `order-dlq-reader-${crypto.randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: ORDER_DLQ_TOPIC, fromBeginning: true });
    const drained = Promise.withResolvers<void>();
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end !== undefined && BigInt(message.offset) < end) {
          letters.push(parseDeadLetter(partition, message));
          if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        }
        if (remaining.size === 0) drained.resolve();
        return Promise.resolve();
      },
    });
    await drained.promise;
  } finally {
    await consumer.disconnect();
  }
  return letters.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
