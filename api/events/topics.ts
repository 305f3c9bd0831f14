// Creates the topics of the event registry (common/events/registry.ts) that are missing, each
// with its DLQ; safe to run from several processes at once.
import { Kafka, logLevel } from "kafkajs";
import { ALL_TOPICS } from "../../common/events/registry.ts";

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
      const wanted = ALL_TOPICS.filter((topic) => !existing.has(topic.name));
      if (wanted.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: wanted.map((topic) => ({
            topic: topic.name,
            numPartitions: topic.partitions,
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
