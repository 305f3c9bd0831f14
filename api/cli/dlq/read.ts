// Reads every record of one DLQ (new_order.dlq unless told) and returns once the topic is drained (up to the end
// offsets seen at the start). A throwaway consumer group that never commits: reading the DLQ
// does not consume it for anyone else.
import type { Kafka } from "kafkajs";
import {
  type DeadLetter,
  DEFAULT_DLQ,
  parseDeadLetter,
} from "../../../common/events/dead-letter.ts";
import { dlqTopicNamed } from "../../../common/events/registry.ts";

export async function readDeadLetters(kafka: Kafka, dlqTopic = DEFAULT_DLQ): Promise<DeadLetter[]> {
  const topic = dlqTopicNamed(dlqTopic);
  if (!topic) throw new Error(`${dlqTopic} is not a DLQ of the event registry`);
  const where = { dlqTopic, originalTopic: topic.name };
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(dlqTopic).finally(() => admin.disconnect());
  const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
  for (const [partition, high] of remaining) if (high === 0n) remaining.delete(partition);
  const letters: DeadLetter[] = [];
  if (remaining.size === 0) return letters;

  const consumer = kafka.consumer({ groupId: `order-dlq-reader-${crypto.randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    const drained = Promise.withResolvers<void>();
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end !== undefined && BigInt(message.offset) < end) {
          letters.push(parseDeadLetter(partition, message, where));
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
