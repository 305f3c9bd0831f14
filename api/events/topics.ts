// Creates the order topics if they are missing; safe to run from several processes at once.
import { Kafka, logLevel } from "kafkajs";
import {
  ORDER_DLQ_TOPIC,
  ORDER_TOPIC,
  ORDER_TOPIC_PARTITIONS,
} from "../../common/events/order-created.ts";

export async function ensureTopics(brokers: string[], timeoutMs = 60_000): Promise<void> {
  const kafka = new Kafka({
    clientId: "order-service-admin",
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  const admin = kafka.admin();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const wanted = [ORDER_TOPIC, ORDER_DLQ_TOPIC].filter((topic) => !existing.has(topic));
      if (wanted.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: wanted.map((topic) => ({
            topic,
            numPartitions: ORDER_TOPIC_PARTITIONS,
            replicationFactor: 1,
          })),
        });
      }
      return;
    } catch (error) {
      // A broker that has just opened its port may not have a controller yet.
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}
